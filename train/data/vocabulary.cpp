#include "train/data/vocabulary.hpp"

#include <algorithm>
#include <cctype>

#include "core/errors.hpp"

namespace loom {

Vocabulary::Vocabulary(VocabularyOptions options) : opt_(std::move(options)) {
  if (opt_.max_tokens != 0 && opt_.max_tokens < 2)
    throw ValueError("Vocabulary: max_tokens expected 0 (no limit) or >= 2 (padding and unknown), received " +
                     std::to_string(opt_.max_tokens));
  tokens_ = {"", opt_.oov_token};
  ids_ = {{"", kPadding}, {opt_.oov_token, kUnknown}};
}

std::vector<std::string> Vocabulary::tokenize(const std::string& text) const {
  std::string s;
  s.reserve(text.size());
  for (unsigned char c : text) {
    if (opt_.strip_punctuation && c < 128 && std::ispunct(c)) continue;
    s += opt_.lower && c < 128 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c);
  }
  std::vector<std::string> out;
  if (opt_.split == TokenSplit::characters) {
    for (std::size_t i = 0; i < s.size();) {
      // A UTF-8 character is a lead byte followed by continuation bytes 10xxxxxx.
      std::size_t j = i + 1;
      while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

void Vocabulary::fit(const std::vector<std::string>& texts) {
  std::unordered_map<std::string, std::size_t> pos;
  std::vector<std::pair<std::string, std::size_t>> counts;  // in order of first appearance
  for (const auto& t : texts)
    for (auto& tok : tokenize(t)) {
      if (tok == opt_.oov_token) continue;
      auto [it, fresh] = pos.try_emplace(tok, counts.size());
      if (fresh) counts.emplace_back(tok, 0);
      ++counts[it->second].second;
    }
  std::stable_sort(counts.begin(), counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  tokens_ = {"", opt_.oov_token};
  ids_ = {{"", kPadding}, {opt_.oov_token, kUnknown}};
  for (auto& [tok, n] : counts) {
    if (opt_.max_tokens != 0 && tokens_.size() >= opt_.max_tokens) break;
    ids_.emplace(tok, static_cast<std::int64_t>(tokens_.size()));
    tokens_.push_back(tok);
  }
}

std::int64_t Vocabulary::id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnknown : it->second;
}

const std::string& Vocabulary::token(std::int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size())
    throw IndexError("Vocabulary::token: id expected in [0, " + std::to_string(tokens_.size()) +
                     "), received " + std::to_string(id));
  return tokens_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> Vocabulary::encode(const std::string& text) const {
  std::vector<std::int64_t> out;
  for (const auto& tok : tokenize(text)) {
    auto it = ids_.find(tok);
    if (it == ids_.end() && !opt_.allow_unknown)
      throw ValueError("Vocabulary::encode: expected tokens of the vocabulary (allow_unknown is false), "
                       "received unknown token '" + tok + "'");
    out.push_back(it == ids_.end() ? kUnknown : it->second);
  }
  return out;
}

std::vector<std::vector<std::int64_t>> Vocabulary::encode(const std::vector<std::string>& texts) const {
  std::vector<std::vector<std::int64_t>> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(encode(t));
  return out;
}

std::string Vocabulary::decode(const std::vector<std::int64_t>& ids) const {
  std::string out;
  const char* sep = opt_.split == TokenSplit::characters ? "" : " ";
  bool first = true;
  for (std::int64_t id : ids) {
    const std::string& tok = token(id);
    if (id == kPadding) continue;
    if (!first) out += sep;
    out += tok;
    first = false;
  }
  return out;
}

}  // namespace loom
