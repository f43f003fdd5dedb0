" flowscan rule files (.fsr); the language: docs/rule-language.md
if exists("b:current_syntax")
  finish
endif

syn keyword flowscanKeyword pack define rule language role kind tech severity match entity message sql fix doc example query where keyword
syn keyword flowscanOperator any all not inside has follows precedes matching is in string no
syn keyword flowscanRole source sink transform connection endpoint pipeline
syn keyword flowscanKind database file api stream object_store cache log config
syn keyword flowscanSeverity hint info warning error
syn keyword flowscanLanguage python go java rust sql
syn keyword flowscanAccess read write both

syn match flowscanName "\<\h[A-Za-z0-9_-]*\%(\.[A-Za-z0-9_][A-Za-z0-9_-]*\)\+"
syn match flowscanMetavar "\$\$\$\%(\u[A-Z0-9_]*\|_[A-Z0-9_]*\)\=\|\$[A-Z_][A-Z0-9_]*"

syn region flowscanString start=+"+ skip=+\\.+ end=+"+ end=+$+ contains=flowscanEscape,flowscanPlaceholder oneline
syn match flowscanEscape "\\." contained
syn match flowscanPlaceholder "{\h\w*}" contained
syn match flowscanRegex "\%(matching\s\+\)\@<=/\%(\\.\|[^\\/]\)\+/"

" code runs: three backticks span lines, one and two stay on their line
syn region flowscanCode matchgroup=flowscanCodeDelim start="`\@<!```\(`\)\@!" end="`\@<!```\(`\)\@!" contains=flowscanMetavar keepend
syn region flowscanCode matchgroup=flowscanCodeDelim start="`\@<!``\(`\)\@!" end="`\@<!``\(`\)\@!" contains=flowscanMetavar oneline keepend
syn region flowscanCode matchgroup=flowscanCodeDelim start="`\@<!`\(`\)\@!" end="`\@<!`\(`\)\@!" contains=flowscanMetavar oneline keepend

syn match flowscanComment "#.*$" contains=@Spell

hi def link flowscanKeyword Keyword
hi def link flowscanOperator Operator
hi def link flowscanRole Constant
hi def link flowscanKind Constant
hi def link flowscanSeverity Constant
hi def link flowscanLanguage Type
hi def link flowscanAccess Constant
hi def link flowscanName Function
hi def link flowscanMetavar Identifier
hi def link flowscanString String
hi def link flowscanEscape SpecialChar
hi def link flowscanPlaceholder Special
hi def link flowscanRegex String
hi def link flowscanCode String
hi def link flowscanCodeDelim Delimiter
hi def link flowscanComment Comment

let b:current_syntax = "flowscan"
