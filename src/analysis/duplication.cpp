// Token-window duplication detection (see duplication.h for what counts as a duplicate).
#include "analysis/duplication.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>

namespace pw::analysis {

double FileDuplication::density() const {
  return lines == 0 ? 0.0 : 100.0 * static_cast<double>(duplicated_lines.size()) / lines;
}

double DuplicationResult::density() const {
  return lines == 0 ? 0.0
                    : 100.0 * static_cast<double>(duplicated_lines) / static_cast<double>(lines);
}

namespace {

struct Unit {  // one normalised token
  std::uint32_t id;
  int line;
  int end_line;
};

struct FileUnits {
  std::vector<Unit> units;
  std::vector<int> line_rank;  // distinct start lines up to and including unit i
  size_t offset = 0;           // global index of units[0]
};

constexpr int kMaxCandidates = 64;

}  // namespace

DuplicationResult find_duplication(const std::vector<TokenizedFile>& files,
                                   const DuplicationOptions& options) {
  const int window = std::max(1, options.min_tokens);
  DuplicationResult result;

  // Normalise and intern: equal token texts get equal ids.
  std::unordered_map<std::string_view, std::uint32_t> ids;
  ids.reserve(1 << 16);
  const std::uint32_t string_id = 0;
  ids.emplace(std::string_view("\x01STRING"), string_id);
  std::vector<FileUnits> fu(files.size());
  size_t total = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    fu[f].offset = total;
    if (!files[f].tokens) continue;
    auto& units = fu[f].units;
    units.reserve(files[f].tokens->tokens.size());
    for (const Token& t : files[f].tokens->tokens) {
      switch (t.type) {
        case TokenType::COMMENT:
        case TokenType::NL:
        case TokenType::NEWLINE:
        case TokenType::INDENT:
        case TokenType::DEDENT:
        case TokenType::ENDMARKER:
          continue;
        case TokenType::STRING:
          units.push_back(Unit{string_id, t.line, t.end_line});
          continue;
        default: {
          auto [it, inserted] =
              ids.emplace(files[f].tokens->text(t), static_cast<std::uint32_t>(ids.size()));
          units.push_back(Unit{it->second, t.line, t.end_line});
        }
      }
    }
    auto& rank = fu[f].line_rank;
    rank.resize(units.size());
    int distinct = 0, last = -1;
    for (size_t i = 0; i < units.size(); ++i) {
      if (units[i].line != last) ++distinct, last = units[i].line;
      rank[i] = distinct;
    }
    total += units.size();
  }

  // Chains of equal window hashes over global indices: head[h] = latest index, prev[i] = the one
  // before i with the same hash.
  std::unordered_map<std::uint64_t, std::uint32_t> head;
  head.reserve(total);
  std::vector<std::uint32_t> prev(total, UINT32_MAX);
  std::vector<int> owner(total);  // file of each global index
  // Per alignment (global q - global p): the global end of the last block reported on it.
  std::unordered_map<std::int64_t, size_t> covered;

  constexpr std::uint64_t base = 1000003ULL;
  std::uint64_t power = 1;  // base^(window-1)
  for (int i = 1; i < window; ++i) power *= base;

  std::vector<std::vector<char>> dup_lines(files.size());
  for (size_t f = 0; f < files.size(); ++f) {
    int lines = files[f].tokens ? files[f].tokens->lines : 0;
    dup_lines[f].assign(lines + 2, 0);
  }
  std::vector<int> blocks_in(files.size(), 0);

  auto locate = [&](size_t f, size_t from, size_t len) {
    const auto& u = fu[f].units;
    BlockLocation loc{files[f].path, u[from].line, 0};
    int end = u[from].end_line;
    for (size_t k = from; k < from + len; ++k) end = std::max(end, u[k].end_line);
    loc.end_line = end;
    return loc;
  };

  for (size_t fq = 0; fq < files.size(); ++fq) {
    const auto& uq = fu[fq].units;
    if (uq.size() < static_cast<size_t>(window)) {
      for (size_t i = 0; i < uq.size(); ++i) owner[fu[fq].offset + i] = static_cast<int>(fq);
      continue;
    }
    std::uint64_t h = 0;
    for (int i = 0; i < window; ++i) h = h * base + uq[i].id + 1;
    for (size_t q = 0; q + window <= uq.size(); ++q) {
      if (q > 0) h = (h - (uq[q - 1].id + 1) * power) * base + uq[q + window - 1].id + 1;
      size_t gq = fu[fq].offset + q;
      owner[gq] = static_cast<int>(fq);
      auto it = head.find(h);
      if (it != head.end()) {
        int tried = 0;
        for (std::uint32_t gp = it->second; gp != UINT32_MAX && tried < kMaxCandidates;
             gp = prev[gp], ++tried) {
          std::int64_t diagonal = static_cast<std::int64_t>(gq) - gp;
          auto cov = covered.find(diagonal);
          if (cov != covered.end() && cov->second > gq) continue;  // inside a reported block
          size_t fp = owner[gp];
          size_t p = gp - fu[fp].offset;
          const auto& up = fu[fp].units;
          // Verify (hash collisions) and extend forward to the maximal block.
          size_t len = 0;
          size_t limit = std::min(up.size() - p, uq.size() - q);
          if (fp == fq) limit = std::min(limit, q - p);  // the two sides must not overlap
          while (len < limit && up[p + len].id == uq[q + len].id) ++len;
          if (len < static_cast<size_t>(window)) continue;
          covered[diagonal] = gq + len;
          int lines_p = fu[fp].line_rank[p + len - 1] - fu[fp].line_rank[p] + 1;
          int lines_q = fu[fq].line_rank[q + len - 1] - fu[fq].line_rank[q] + 1;
          if (std::min(lines_p, lines_q) < options.min_lines) continue;
          DuplicatedBlock b{locate(fp, p, len), locate(fq, q, len), static_cast<int>(len),
                            std::min(lines_p, lines_q)};
          for (int l = b.first.start_line; l <= b.first.end_line; ++l)
            if (l < static_cast<int>(dup_lines[fp].size())) dup_lines[fp][l] = 1;
          for (int l = b.second.start_line; l <= b.second.end_line; ++l)
            if (l < static_cast<int>(dup_lines[fq].size())) dup_lines[fq][l] = 1;
          ++blocks_in[fp];
          ++blocks_in[fq];
          result.blocks.push_back(std::move(b));
        }
      }
      prev[gq] = it != head.end() ? it->second : UINT32_MAX;
      head[h] = static_cast<std::uint32_t>(gq);
    }
    for (size_t i = uq.size() - window + 1; i < uq.size(); ++i)
      owner[fu[fq].offset + i] = static_cast<int>(fq);
  }

  for (size_t f = 0; f < files.size(); ++f) {
    FileDuplication fd;
    fd.path = files[f].path;
    fd.lines = files[f].tokens ? files[f].tokens->lines : 0;
    fd.duplicated_blocks = blocks_in[f];
    for (size_t l = 1; l < dup_lines[f].size(); ++l)
      if (dup_lines[f][l]) fd.duplicated_lines.push_back(static_cast<int>(l));
    result.lines += fd.lines;
    result.duplicated_lines += static_cast<long long>(fd.duplicated_lines.size());
    result.duplicated_blocks += fd.duplicated_blocks;
    if (fd.duplicated_blocks > 0) ++result.duplicated_files;
    result.files.push_back(std::move(fd));
  }
  std::unordered_map<std::string, size_t> order;
  for (size_t f = 0; f < files.size(); ++f) order.emplace(files[f].path, f);
  std::stable_sort(result.blocks.begin(), result.blocks.end(),
                   [&](const DuplicatedBlock& a, const DuplicatedBlock& b) {
                     size_t fa = order[a.first.file], fb = order[b.first.file];
                     if (fa != fb) return fa < fb;
                     return a.first.start_line < b.first.start_line;
                   });
  return result;
}

}  // namespace pw::analysis
