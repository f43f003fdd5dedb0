package calc;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleBinaryOperator;
import java.util.stream.Collectors;

/** Shunting-yard to reverse Polish notation, then a stack machine; results are memoised. */
public final class Calculator {

    private static final Map<String, Integer> PRECEDENCE = Map.of("+", 1, "-", 1, "*", 2, "/", 2, "%", 2, "^", 3);
    private static final Map<String, DoubleBinaryOperator> OPERATORS = Map.of(
            "+", Double::sum, "-", (a, b) -> a - b, "*", (a, b) -> a * b,
            "/", (a, b) -> a / b, "%", (a, b) -> a % b, "^", Math::pow);

    private final Map<String, Double> variables = new HashMap<>();
    private final Deque<Command> undo = new ArrayDeque<>();
    private final Map<String, Double> memo = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Double> eldest) {
            return size() > 256;
        }
    };

    interface Command {
        void execute();
        void revert();
    }

    public void assign(String name, double value) {
        Double previous = variables.get(name);
        Command command = new Command() {
            public void execute() { variables.put(name, value); memo.clear(); }
            public void revert() {
                if (previous == null) { variables.remove(name); } else { variables.put(name, previous); }
                memo.clear();
            }
        };
        command.execute();
        undo.push(command);
    }

    public boolean undoLast() {
        Command last = undo.poll();
        Optional.ofNullable(last).ifPresent(Command::revert);
        return last != null;
    }

    public double evaluate(String expression) {
        Double cached = memo.get(expression);
        if (cached != null) {
            return cached;
        }
        double result = run(toRpn(Lexer.tokenize(expression)));
        memo.put(expression, result);
        return result;
    }

    static List<Lexer.Token> toRpn(List<Lexer.Token> tokens) {
        List<Lexer.Token> output = new java.util.ArrayList<>();
        Deque<Lexer.Token> stack = new ArrayDeque<>();
        for (Lexer.Token token : tokens) {
            switch (token.kind()) {
                case NUMBER, NAME -> output.add(token);
                case OPERATOR -> {
                    while (!stack.isEmpty() && stack.peek().kind() == Lexer.Kind.OPERATOR
                            && PRECEDENCE.get(stack.peek().text()) >= PRECEDENCE.get(token.text())
                            && !token.text().equals("^")) {
                        output.add(stack.pop());
                    }
                    stack.push(token);
                }
                case LEFT -> stack.push(token);
                case RIGHT -> {
                    while (!stack.isEmpty() && stack.peek().kind() != Lexer.Kind.LEFT) {
                        output.add(stack.pop());
                    }
                    stack.pop();
                }
                case COMMA -> { }
            }
        }
        while (!stack.isEmpty()) {
            output.add(stack.pop());
        }
        return output;
    }

    double run(List<Lexer.Token> rpn) {
        Deque<Double> values = new ArrayDeque<>();
        for (Lexer.Token token : rpn) {
            switch (token.kind()) {
                case NUMBER -> values.push(Double.parseDouble(token.text()));
                case NAME -> values.push(Optional.ofNullable(variables.get(token.text()))
                        .orElseThrow(() -> new IllegalArgumentException("unknown variable " + token.text())));
                default -> {
                    double right = values.pop();
                    double left = values.pop();
                    values.push(OPERATORS.get(token.text()).applyAsDouble(left, right));
                }
            }
        }
        return values.pop();
    }

    public String describe() {
        return variables.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("_"))
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    public static String rpnText(String expression) {
        return String.join(" ", toRpn(Lexer.tokenize(expression)).stream().map(Lexer.Token::text).toList());
    }
}
