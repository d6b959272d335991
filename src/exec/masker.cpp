#include "exec/masker.h"

#include <algorithm>

namespace pw::exec {

void Masker::add_secret(std::string_view value) {
  if (value.size() < kMinLength) return;
  std::string v(value);
  if (std::find(secrets_.begin(), secrets_.end(), v) != secrets_.end()) return;
  secrets_.push_back(std::move(v));
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool Masker::empty() const { return secrets_.empty(); }

size_t Masker::longest() const { return secrets_.empty() ? 0 : secrets_.front().size(); }

std::string Masker::mask(std::string_view text) const {
  if (secrets_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool hit = false;
    for (const auto& s : secrets_) {
      if (text.compare(i, s.size(), s) == 0) {
        out += kMask;
        i += s.size();
        hit = true;
        break;
      }
    }
    if (!hit) out += text[i++];
  }
  return out;
}

std::string Masker::mask_stream(std::string& pending, std::string_view chunk) const {
  if (secrets_.empty()) {
    std::string out = std::move(pending);
    pending.clear();
    out.append(chunk);
    return out;
  }
  std::string text = std::move(pending);
  pending.clear();
  text.append(chunk);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool hit = false;
    bool maybe = false;  // the rest of the text is a proper prefix of a secret
    for (const auto& s : secrets_) {
      size_t avail = text.size() - i;
      if (avail >= s.size()) {
        if (text.compare(i, s.size(), s) == 0) {
          out += kMask;
          i += s.size();
          hit = true;
          break;
        }
      } else if (text.compare(i, avail, s, 0, avail) == 0) {
        maybe = true;
      }
    }
    if (hit) continue;
    if (maybe) {
      pending.assign(text, i, std::string::npos);
      return out;
    }
    out += text[i++];
  }
  return out;
}

std::string MaskingStream::feed(std::string_view chunk) {
  return masker_->mask_stream(pending_, chunk);
}

std::string MaskingStream::finish() {
  std::string out = masker_->mask(pending_);
  pending_.clear();
  return out;
}

}  // namespace pw::exec
