#include "python/text_decoding.h"

#include <iconv.h>
#include <langinfo.h>
#include <locale.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <regex>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace pw::python {

namespace {

// pip's table, in its order: UTF-32 first, because the UTF-16 LE mark is a prefix of UTF-32 LE's.
const std::pair<std::string_view, const char*> kBoms[] = {
    {"\xEF\xBB\xBF", "utf-8"},
    {std::string_view("\xFF\xFE\x00\x00", 4),
     "utf-32-le"},  // codecs.BOM_UTF32 (little-endian host)
    {std::string_view("\x00\x00\xFE\xFF", 4), "utf-32-be"},
    {"\xFF\xFE", "utf-16-le"},  // codecs.BOM_UTF16 (little-endian host)
    {"\xFE\xFF", "utf-16-be"},
};

// The name iconv knows for a Python codec name ("latin_1", "L1", "utf8", "cp1252").
std::string iconv_name(std::string_view python_name) {
  std::string n = to_lower(python_name);
  for (char& c : n)
    if (c == '_') c = '-';
  if (n == "utf8" || n == "utf-8" || n == "u8" || n == "utf" || n == "cp65001") return "UTF-8";
  if (n == "latin-1" || n == "latin1" || n == "l1" || n == "iso-8859-1" || n == "iso8859-1" ||
      n == "8859" || n == "cp819" || n == "latin" || n == "iso-ir-100")
    return "ISO-8859-1";
  if (n == "ascii" || n == "us-ascii" || n == "646" || n == "ansi-x3.4-1968") return "ASCII";
  // Python writes the byte order with a dash, iconv without: utf-16-le is UTF-16LE.
  for (const char* wide : {"utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf16-le",
                           "utf16-be", "utf32-le", "utf32-be"}) {
    if (n == wide) {
      std::string w = to_upper(n);
      if (w.starts_with("UTF16") || w.starts_with("UTF32")) w.insert(3, "-");
      w.erase(w.rfind('-'), 1);
      return w;
    }
  }
  return to_upper(n);
}

// Decodes `data` from `encoding` to UTF-8 with iconv; on failure, `bad_at` is the offset of
// the first byte that does not decode (or npos when the encoding is unknown).
bool convert(std::string_view data, const std::string& encoding, std::string& out, size_t& bad_at) {
  bad_at = std::string_view::npos;
  std::string from = iconv_name(encoding);
  if (from == "UTF-8") {
    // Strict UTF-8 as Python decodes it: sanitize_for_display would change what is valid.
    size_t i = 0;
    while (i < data.size()) {
      auto c = static_cast<unsigned char>(data[i]);
      size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (len == 0 || i + len > data.size()) break;
      bool ok = true;
      for (size_t k = 1; k < len; ++k)
        if ((static_cast<unsigned char>(data[i + k]) & 0xC0) != 0x80) ok = false;
      if (ok && len > 1) {
        unsigned cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k)
          cp = (cp << 6) | (static_cast<unsigned char>(data[i + k]) & 0x3F);
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
          ok = false;
      }
      if (!ok) break;
      i += len;
    }
    if (i < data.size()) {
      bad_at = i;
      return false;
    }
    out.assign(data);
    return true;
  }
  iconv_t cd = ::iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::unique_ptr<void, int (*)(iconv_t)> guard(cd, ::iconv_close);
  out.clear();
  std::vector<char> buf(4 * data.size() + 16);
  char* in = const_cast<char*>(data.data());
  size_t in_left = data.size();
  char* o = buf.data();
  size_t out_left = buf.size();
  if (::iconv(cd, &in, &in_left, &o, &out_left) == static_cast<size_t>(-1)) {
    bad_at = data.size() - in_left;
    return false;
  }
  out.assign(buf.data(), buf.size() - out_left);
  return true;
}

std::string byte_hex(unsigned char b) {
  const char* hex = "0123456789ABCDEF";
  return std::string("0x") + hex[b >> 4] + hex[b & 15];
}

}  // namespace

Result<DecodedText> decode_requirements_bytes(std::string_view data, std::string_view locale) {
  DecodedText out;
  size_t bad = 0;
  for (const auto& [bom, enc] : kBoms) {
    if (!data.starts_with(bom)) continue;
    out.encoding = enc;
    if (!convert(data.substr(bom.size()), enc, out.utf8, bad))
      return Failure{"the file starts with the byte order mark of " + std::string(enc) +
                         " but is not " + enc + " text",
                     bom.size() + (bad == std::string_view::npos ? 0 : bad)};
    return out;
  }
  // A PEP 263 comment on one of the first two lines.
  static const std::regex coding(R"(coding[:=]\s*([-\w.]+))");
  size_t start = 0;
  for (int line = 0; line < 2 && start <= data.size(); ++line) {
    size_t nl = data.find('\n', start);
    std::string_view l =
        data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    std::match_results<std::string_view::const_iterator> m;
    if (l.starts_with("#") && std::regex_search(l.begin(), l.end(), m, coding)) {
      out.encoding = m[1].str();
      if (convert(data, out.encoding, out.utf8, bad)) return out;
      if (bad == std::string_view::npos)
        return Failure{"unknown encoding '" + out.encoding +
                           "' in the coding comment (pip would "
                           "stop here with a LookupError)",
                       start + static_cast<size_t>(m.position(1))};
      return Failure{"byte " + byte_hex(static_cast<unsigned char>(data[bad])) + " is not valid " +
                         out.encoding + " (the encoding the file's coding comment names)",
                     bad};
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out.encoding = "utf-8";
  if (convert(data, "utf-8", out.utf8, bad)) return out;
  size_t utf8_bad = bad;
  std::string loc(locale.empty() ? "utf-8" : locale);
  if (iconv_name(loc) != "UTF-8" && convert(data, loc, out.utf8, bad)) {
    out.encoding = loc;
    out.warning = "not UTF-8 (byte " + byte_hex(static_cast<unsigned char>(data[utf8_bad])) +
                  "), read in the locale's encoding " + loc +
                  " as pip does; declare it with a first line '# -*- coding: " + loc + " -*-'";
    return out;
  }
  return Failure{"byte " + byte_hex(static_cast<unsigned char>(data[utf8_bad])) +
                     " is not UTF-8, and the locale's encoding (" + loc +
                     ") cannot read the file either: pip would refuse it. Save it as UTF-8, or "
                     "name its encoding on its first line: # -*- coding: latin-1 -*-",
                 utf8_bad};
}

std::string locale_encoding() {
  locale_t loc = ::newlocale(LC_CTYPE_MASK, "", static_cast<locale_t>(nullptr));
  if (loc == static_cast<locale_t>(nullptr))
    return "utf-8";  // not installed: Python stays in C, coerced
  std::string codeset = ::nl_langinfo_l(CODESET, loc);
  ::freelocale(loc);
  if (codeset.empty() || codeset == "ANSI_X3.4-1968" || codeset == "ASCII") return "utf-8";
  std::string lower = to_lower(codeset);
  if (lower == "utf-8" || lower == "utf8") return "utf-8";
  if (lower == "iso-8859-1") return "iso8859-1";
  return lower;
}

}  // namespace pw::python
