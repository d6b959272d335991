// How pip turns a requirements file's bytes into text (pip's req_file._decode_req_file): a
// byte order mark names the encoding; else a PEP 263 coding comment on one of the first two
// lines; else UTF-8; else the locale's encoding, with a warning. lock-check reads the files
// as pip will, so a Latin-1 file is read where pip reads it and refused, at its line, where
// pip would refuse it, instead of bytes that are not UTF-8 reaching the build's records.
#pragma once

#include <string>
#include <string_view>

#include "python/result.h"

namespace pw::python {

struct DecodedText {
  std::string utf8;
  std::string encoding;  // the encoding used, as pip names it ("utf-8", "latin-1", ...)
  std::string warning;   // pip's warning when it fell back on the locale's encoding, else ""
};

// `locale_encoding` is what Python's locale.getencoding() gives pip (see locale_encoding()).
// A Failure's offset is the byte where decoding failed.
Result<DecodedText> decode_requirements_bytes(std::string_view data,
                                              std::string_view locale_encoding);

// The encoding Python's locale.getencoding() reports in this process's environment: the
// LC_ALL / LC_CTYPE / LANG locale's codeset, and UTF-8 for the C and POSIX locales and for
// locales that are not installed (Python coerces those to UTF-8, PEP 538 and PEP 540).
std::string locale_encoding();

}  // namespace pw::python
