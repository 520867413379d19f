#include "llm/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "llm/tokenizer_bpe.h"
#include "llm/tokenizer_steps.h"
#include "llm/unicode.h"

namespace sinter::llm {

using nlohmann::json;

namespace {

// Finds added tokens in text: leftmost match first and, among matches at one position, the longest (the
// reference library's Aho-Corasick automaton is built with the same rule). Added tokens are few (hundreds), so
// bucketing by first byte is enough.
class AddedTokenMatcher {
 public:
  void add(std::string pattern, size_t token_index) {
    if (pattern.empty()) return;
    auto& bucket = buckets_[static_cast<uint8_t>(pattern[0])];
    bucket.push_back({std::move(pattern), token_index});
    std::stable_sort(bucket.begin(), bucket.end(),
                     [](const Entry& a, const Entry& b) { return a.pattern.size() > b.pattern.size(); });
    empty_ = false;
  }
  struct Match {
    size_t begin, end, token_index;
  };
  std::optional<Match> find(std::string_view text, size_t from) const {
    if (empty_) return std::nullopt;
    for (size_t i = from; i < text.size(); ++i) {
      for (const auto& e : buckets_[static_cast<uint8_t>(text[i])]) {
        if (text.compare(i, e.pattern.size(), e.pattern) == 0) return Match{i, i + e.pattern.size(), e.token_index};
      }
    }
    return std::nullopt;
  }

 private:
  struct Entry {
    std::string pattern;
    size_t token_index;
  };
  std::vector<Entry> buckets_[256];
  bool empty_ = true;
};

// A run of text on its way through the pipeline, or an added token already resolved to its id.
struct Segment {
  std::string text;
  int32_t id = -1;
  bool at_origin = false;
};

const UnicodeRegex& word_char_at_end() {
  // Rust's \w: Alphabetic, marks, decimal numbers, connector punctuation and the joiners.
  static const UnicodeRegex re =
      *UnicodeRegex::compile(R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]\z)", "word character");
  return re;
}
const UnicodeRegex& word_char_at_start() {
  static const UnicodeRegex re =
      *UnicodeRegex::compile(R"(\A[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}])", "word character");
  return re;
}

// Byte offset where the trailing whitespace of `text` begins.
size_t trailing_whitespace_start(std::string_view text) {
  size_t start = 0;
  for (size_t pos = 0; pos < text.size();) {
    if (!is_unicode_whitespace(next_code_point(text, pos))) start = pos;
  }
  return start;
}

// Byte length of the leading whitespace of `text`.
size_t leading_whitespace_length(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t at = pos;
    if (!is_unicode_whitespace(next_code_point(text, pos))) return at;
  }
  return pos;
}

Result<std::vector<AddedToken>> parse_added_tokens(const json& j) {
  std::vector<AddedToken> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return invalid_argument("added_tokens: expected an array");
  for (size_t i = 0; i < j.size(); ++i) {
    const json& t = j[i];
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
        !t["content"].is_string()) {
      return invalid_argument(where + ": expected an object with an integer id and a string content");
    }
    AddedToken a;
    a.id = t["id"].get<int32_t>();
    if (a.id < 0) return invalid_argument(where + ".id: negative");
    a.content = t["content"].get<std::string>();
    a.special = t.value("special", false);
    a.single_word = t.value("single_word", false);
    a.lstrip = t.value("lstrip", false);
    a.rstrip = t.value("rstrip", false);
    a.normalized = t.value("normalized", !a.special);
    out.push_back(std::move(a));
  }
  return out;
}

std::string read_file_text(const std::string& path, Status* status) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *status = not_found(path + ": cannot open");
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

struct Tokenizer::Impl {
  BpeModel model;
  Normalizers normalizers;
  PreTokenizers pre_tokenizers;
  Decoders decoders;
  PostProcessor post_processor;
  std::vector<AddedToken> added;
  std::unordered_map<int32_t, size_t> added_by_id;
  std::unordered_map<std::string, int32_t> added_by_content;
  std::unordered_set<std::string> special_contents;
  AddedTokenMatcher raw_matcher;         // tokens with normalized=false, matched on the raw text
  AddedTokenMatcher normalized_matcher;  // the others, matched (in normalized form) on normalized text

  void normalize(std::string& text) const {
    for (const auto& n : normalizers) n->apply(text);
  }
  void split_added(const Segment& seg, const AddedTokenMatcher& matcher, std::vector<Segment>& out) const;
  std::string token_text(int32_t id) const;
};

void Tokenizer::Impl::split_added(const Segment& seg, const AddedTokenMatcher& matcher,
                                  std::vector<Segment>& out) const {
  std::string_view text = seg.text;
  auto emit_text = [&](size_t b, size_t e) {
    if (e > b) out.push_back({std::string(text.substr(b, e - b)), -1, seg.at_origin && b == 0});
  };
  size_t start_offset = 0;
  size_t search_from = 0;
  while (auto m = matcher.find(text, search_from)) {
    search_from = m->end;  // the search resumes after the raw match, whatever stripping does below
    const AddedToken& tok = added[m->token_index];
    size_t start = m->begin, stop = m->end;
    if (tok.single_word) {
      // Only the characters touching the match matter.
      size_t before = start;
      while (before > 0 && (static_cast<uint8_t>(text[before - 1]) & 0xC0) == 0x80) --before;
      if (before > 0) --before;
      bool start_space = start == 0 || !word_char_at_end().search(text.substr(before, start - before));
      bool stop_space =
          stop == text.size() || !word_char_at_start().search(text.substr(stop, utf8_sequence_length(text[stop])));
      if (!start_space || !stop_space) continue;
    }
    if (tok.lstrip) start = std::max(trailing_whitespace_start(text.substr(0, start)), start_offset);
    if (tok.rstrip) stop += leading_whitespace_length(text.substr(stop));
    if (start_offset < start) emit_text(start_offset, start);
    out.push_back({std::string(text.substr(start, stop - start)), tok.id, false});
    start_offset = stop;
  }
  if (start_offset < text.size()) emit_text(start_offset, text.size());
}

std::string Tokenizer::Impl::token_text(int32_t id) const {
  auto it = added_by_id.find(id);
  if (it != added_by_id.end()) return added[it->second].content;
  const std::string* t = model.id_to_token(id);
  return t ? *t : std::string();
}

Result<Tokenizer> Tokenizer::from_json(const std::string& json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalid_argument("tokenizer.json: not valid JSON");
  if (!j.is_object()) return invalid_argument("tokenizer.json: expected a JSON object");
  auto impl = std::make_shared<Impl>();

  if (j.contains("truncation") && !j["truncation"].is_null()) {
    return unimplemented("truncation: sinter does not truncate inputs; set \"truncation\" to null");
  }
  auto model = j.find("model");
  if (model == j.end() || !model->is_object()) return invalid_argument("model: missing or not an object");
  std::string type = model->value("type", "BPE");
  if (type != "BPE") return unimplemented("model.type: '" + type + "' is not supported (only BPE)");
  SINTER_ASSIGN_OR_RETURN(impl->model, BpeModel::from_json(*model));
  SINTER_ASSIGN_OR_RETURN(impl->normalizers, parse_normalizers(j.value("normalizer", json()), "normalizer"));
  SINTER_ASSIGN_OR_RETURN(impl->pre_tokenizers,
                          parse_pre_tokenizers(j.value("pre_tokenizer", json()), "pre_tokenizer"));
  SINTER_ASSIGN_OR_RETURN(impl->decoders, parse_decoders(j.value("decoder", json()), "decoder"));
  SINTER_ASSIGN_OR_RETURN(impl->post_processor,
                          parse_post_processor(j.value("post_processor", json()), "post_processor"));
  SINTER_ASSIGN_OR_RETURN(impl->added, parse_added_tokens(j.value("added_tokens", json())));

  for (size_t i = 0; i < impl->added.size(); ++i) {
    const AddedToken& t = impl->added[i];
    impl->added_by_id[t.id] = i;
    impl->added_by_content[t.content] = t.id;
    if (t.special) impl->special_contents.insert(t.content);
    if (t.normalized) {
      std::string pattern = t.content;
      impl->normalize(pattern);
      impl->normalized_matcher.add(std::move(pattern), i);
    } else {
      impl->raw_matcher.add(t.content, i);
    }
  }

  Tokenizer tok;
  tok.impl_ = impl;
  // BOS is what the post-processor puts first; EOS is the first well-known end-of-text special token.
  if (!impl->post_processor.empty() && !impl->post_processor[0].empty() && !impl->post_processor[0][0].is_sequence &&
      impl->post_processor[0][0].ids.size() == 1) {
    tok.bos_id_ = impl->post_processor[0][0].ids[0];
  }
  for (const char* name : {"</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>"}) {
    auto it = impl->added_by_content.find(name);
    if (it != impl->added_by_content.end() && impl->special_contents.count(name)) {
      tok.eos_id_ = it->second;
      break;
    }
  }
  return tok;
}

Result<Tokenizer> Tokenizer::from_file(const std::string& path) {
  Status status;
  std::string text = read_file_text(path, &status);
  SINTER_RETURN_IF_ERROR(status);
  auto tok = from_json(text);
  if (!tok.ok()) return tok.status().with_context(path);
  return tok;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Impl& im = *impl_;
  Segment whole{is_valid_utf8(text) ? std::string(text) : utf8_lossy(text), -1, true};

  std::vector<Segment> raw;
  im.split_added(whole, im.raw_matcher, raw);
  std::vector<Segment> segments;
  for (auto& seg : raw) {
    if (seg.id >= 0) {
      segments.push_back(std::move(seg));
      continue;
    }
    im.normalize(seg.text);
    im.split_added(seg, im.normalized_matcher, segments);
  }

  std::vector<int32_t> ids;
  std::vector<TextPiece> pieces;
  for (const auto& seg : segments) {
    if (seg.id >= 0) {
      ids.push_back(seg.id);
      continue;
    }
    pieces.assign(1, TextPiece{seg.text, seg.at_origin});
    for (const auto& p : im.pre_tokenizers) p->apply(pieces);
    for (const auto& piece : pieces) im.model.tokenize(piece.text, ids);
  }

  if (add_special_tokens) {
    for (const auto& tmpl : im.post_processor) {
      std::vector<int32_t> next;
      for (const auto& item : tmpl) {
        const auto& part = item.is_sequence ? ids : item.ids;
        next.insert(next.end(), part.begin(), part.end());
      }
      ids = std::move(next);
    }
  }
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& im = *impl_;
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    auto it = im.added_by_id.find(id);
    std::string text;
    if (it != im.added_by_id.end()) {
      text = im.added[it->second].content;
    } else if (const std::string* t = im.model.id_to_token(id)) {
      text = *t;
    } else {
      continue;
    }
    // The reference skips by content, so a vocabulary entry spelled like a special token goes too.
    if (skip_special_tokens && im.special_contents.count(text)) continue;
    tokens.push_back(std::move(text));
  }
  if (im.decoders.empty()) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  for (const auto& d : im.decoders) d->apply(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  auto it = impl_->added_by_content.find(std::string(token));
  if (it != impl_->added_by_content.end()) return it->second;
  return impl_->model.token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  auto it = impl_->added_by_id.find(id);
  if (it != impl_->added_by_id.end()) return impl_->added[it->second].content;
  if (const std::string* t = impl_->model.id_to_token(id)) return *t;
  return std::nullopt;
}

int32_t Tokenizer::vocab_size() const {
  int32_t n = impl_->model.vocab_size();
  for (const auto& a : impl_->added) n = std::max(n, a.id + 1);
  return n;
}

bool Tokenizer::is_special(int32_t id) const {
  auto t = id_to_token(id);
  return t && impl_->special_contents.count(*t);
}

const std::vector<AddedToken>& Tokenizer::added_tokens() const {
  return impl_->added;
}

// ---- StreamDecoder ----------------------------------------------------------------------------------------------

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(&tokenizer), skip_special_tokens_(skip_special_tokens) {}

std::optional<std::string> StreamDecoder::step(int32_t id) {
  auto ends_incomplete = [](const std::string& s) {
    return s.size() >= kReplacementChar.size() &&
           s.compare(s.size() - kReplacementChar.size(), kReplacementChar.size(), kReplacementChar) == 0;
  };
  if (prefix_.empty() && !ids_.empty()) {
    // The window decoded to nothing last time (skipped special tokens, say): take it as context now.
    std::string p = tokenizer_->decode(ids_, skip_special_tokens_);
    if (!ends_incomplete(p)) {
      prefix_ = std::move(p);
      prefix_index_ = ids_.size();
    }
  }
  ids_.push_back(id);
  std::string text = tokenizer_->decode(ids_, skip_special_tokens_);
  // A trailing U+FFFD means a character still waits for its last bytes.
  if (text.size() <= prefix_.size() || ends_incomplete(text)) return std::nullopt;
  size_t common = 0;
  while (common < prefix_.size() && text[common] == prefix_[common]) ++common;
  std::string fresh = text.substr(common);
  // Keep only the ids after the old prefix as the next window's context.
  size_t new_prefix_index = ids_.size() - prefix_index_;
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_index_));
  prefix_ = tokenizer_->decode(ids_, skip_special_tokens_);
  prefix_index_ = new_prefix_index;
  return fresh;
}

}  // namespace sinter::llm
