// A Python tokenizer in C++ following CPython's `tokenize` module, so that metrics, complexity and
// duplication are computed natively (no interpreter start, no AST) on the same token stream
// SonarQube's and pylint's analyses start from.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace pw::analysis {

// tokenize's token types. ERRORTOKEN marks text that could not be tokenized (an unterminated
// string, a stray character); each comes with a Diagnostic.
enum class TokenType : std::uint8_t {
  NAME,
  NUMBER,
  STRING,
  OP,
  COMMENT,
  NEWLINE,  // end of a logical line
  NL,       // end of a physical line that does not end a logical one (blank, comment, in brackets)
  INDENT,
  DEDENT,
  ENDMARKER,
  ERRORTOKEN,
};

std::string_view to_string(TokenType type);

struct Token {
  // Where the text is in the source given to tokenize(): Tokenized::text(token) gives it, and the
  // caller keeps the source alive. Offsets instead of a view keep a token at 28 bytes instead of
  // 40: a 100,000-line tree is half a million tokens, written once and read several times.
  // f-strings are one STRING token, prefix and quotes included (tokenize before 3.12 did the same;
  // 3.12's FSTRING_START/MIDDLE/END split adds nothing metrics need). INDENT holds the
  // indentation, DEDENT is empty.
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  // Lines are 1-based, columns 0-based and count code points, as tokenize's (row, col). The end
  // column is just past the last character.
  std::int32_t line = 0;
  std::int32_t col = 0;
  std::int32_t end_line = 0;
  std::int32_t end_col = 0;
  TokenType type = TokenType::ENDMARKER;
};

struct Tokenized {
  std::string_view source;    // what the tokens' offsets point into
  std::vector<Token> tokens;  // always ends with ENDMARKER
  // Problems found, "file:line:col: message" (col 1-based as every Diagnostic). Tokenizing goes
  // on after an error, so the metrics of the rest of the file still count.
  std::vector<Diagnostic> errors;
  int lines = 0;  // physical lines (a last line without '\n' counts; an empty file has 0)

  std::string_view text(const Token& t) const { return {source.data() + t.offset, t.size}; }
};

// Never throws on bad input and always terminates: each step consumes at least one byte. A UTF-8
// byte order mark is skipped. A source of 4 GiB or more is refused with an error (offsets are 32
// bits). Invalid UTF-8 is reported once (its first position) and tokenizing
// continues, treating the bytes as name characters or string content.
Tokenized tokenize(std::string_view source, std::string_view filename = {});
// The same into `out`, replacing its contents but keeping its capacity: tokenizing many files
// through one Tokenized writes the tokens into memory already in use instead of fresh pages.
void tokenize_into(std::string_view source, std::string_view filename, Tokenized& out);

// The soft and hard keywords a token-level analysis needs to recognise.
bool is_keyword(std::string_view name);

}  // namespace pw::analysis
