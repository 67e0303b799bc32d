#pragma once
// Text to integer ids, in the layout of Keras's StringLookup / TextVectorization: id 0 is the
// padding (mask) token "", id 1 the out-of-vocabulary token "[UNK]", then the fitted tokens by
// descending count (ties in order of first appearance).
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace loom {

enum class TokenSplit {
  characters,  // one token per UTF-8 character
  whitespace,  // tokens separated by spaces, tabs and newlines
};

struct VocabularyOptions {
  TokenSplit split = TokenSplit::whitespace;
  bool lower = false;              // ASCII lower-casing before splitting
  bool strip_punctuation = false;  // drop ASCII punctuation before splitting
  // Largest vocabulary size including the padding and unknown entries (0: no limit), as Keras.
  std::size_t max_tokens = 0;
  std::string oov_token = "[UNK]";
  // false: encoding an unknown token throws ValueError instead of giving id 1.
  bool allow_unknown = true;
};

class Vocabulary {
 public:
  static constexpr std::int64_t kPadding = 0;
  static constexpr std::int64_t kUnknown = 1;

  explicit Vocabulary(VocabularyOptions options = {});

  // Replaces the vocabulary with the tokens of `texts`.
  void fit(const std::vector<std::string>& texts);
  void fit(const std::string& text) { fit(std::vector<std::string>{text}); }

  std::vector<std::string> tokenize(const std::string& text) const;
  std::vector<std::int64_t> encode(const std::string& text) const;
  std::vector<std::vector<std::int64_t>> encode(const std::vector<std::string>& texts) const;
  // Tokens joined by "" (characters) or " " (whitespace); padding ids are skipped. Throws
  // IndexError for an id outside the vocabulary.
  std::string decode(const std::vector<std::int64_t>& ids) const;

  std::size_t size() const { return tokens_.size(); }
  // The id of a token (kUnknown when absent), and the token of an id.
  std::int64_t id(const std::string& token) const;
  const std::string& token(std::int64_t id) const;
  // Every token in id order (Keras's get_vocabulary()).
  const std::vector<std::string>& tokens() const { return tokens_; }
  const VocabularyOptions& options() const { return opt_; }

 private:
  VocabularyOptions opt_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

}  // namespace loom
