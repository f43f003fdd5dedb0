package calc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Splits an arithmetic expression into number, name, operator and parenthesis tokens. */
final class Lexer {

    record Token(Kind kind, String text) { }

    enum Kind { NUMBER, NAME, OPERATOR, LEFT, RIGHT, COMMA }

    private static final Map<Character, Kind> SINGLE = Map.of('(', Kind.LEFT, ')', Kind.RIGHT, ',', Kind.COMMA);

    static List<Token> tokenize(String source) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isDigit(c) || c == '.') {
                int start = i;
                while (i < source.length() && (Character.isDigit(source.charAt(i)) || source.charAt(i) == '.')) {
                    i++;
                }
                tokens.add(new Token(Kind.NUMBER, source.substring(start, i)));
            } else if (Character.isLetter(c)) {
                int start = i;
                while (i < source.length() && Character.isLetterOrDigit(source.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.NAME, source.substring(start, i)));
            } else if (SINGLE.containsKey(c)) {
                tokens.add(new Token(SINGLE.get(c), String.valueOf(c)));
                i++;
            } else if ("+-*/^%".indexOf(c) >= 0) {
                tokens.add(new Token(Kind.OPERATOR, String.valueOf(c)));
                i++;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
            }
        }
        return tokens;
    }
}
