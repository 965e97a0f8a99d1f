// Trigger expressions: a tokenizer, a recursive-descent parser and the evaluator.
#include "memview/trigger.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "memview/numbers.h"

namespace memview {

namespace {

enum class Op {
  changed,
  eq,
  ne,
  lt,
  gt,
  le,
  ge,
  crosses,
  crosses_above,
  crosses_below,
  bit_set,
  bit_clear
};

struct Token {
  std::string_view text;
  size_t column = 0;  // 1-based
};

bool is_symbol(char c) {
  return std::strchr("()!<>=&|", c) != nullptr;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    size_t j = i + 1;
    if (is_symbol(c)) {
      // Two-character operators: == != <= >= && ||
      if (i + 1 < s.size() && ((s[i + 1] == '=' && std::strchr("=!<>", c)) ||
                               (c == '&' && s[i + 1] == '&') || (c == '|' && s[i + 1] == '|'))) {
        j = i + 2;
      }
    } else {
      while (j < s.size() && !is_symbol(s[j]) && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' &&
             s[j] != '\r') {
        ++j;
      }
    }
    out.push_back({s.substr(i, j - i), i + 1});
    i = j;
  }
  return out;
}

Result<long double> parse_number(std::string_view t) {
  if (Result<int64_t> i = parse_i64(t)) return static_cast<long double>(*i);
  if (Result<uint64_t> u = parse_u64(t)) return static_cast<long double>(*u);
  double d = 0;
  const char* end = t.data() + t.size();
  const auto [ptr, ec] = std::from_chars(t.data(), end, d);
  if (ec != std::errc() || ptr != end || t.empty()) {
    return make_error(Errc::invalid_argument, "expected a number");
  }
  return static_cast<long double>(d);
}

long double value_of(ScalarType type, std::span<const std::byte> b) {
  const uint64_t bits = load_uint(b.first(scalar_size(type)), Endian::little);
  switch (type) {
    case ScalarType::i8:
      return static_cast<int8_t>(bits);
    case ScalarType::i16:
      return static_cast<int16_t>(bits);
    case ScalarType::i32:
      return static_cast<int32_t>(bits);
    case ScalarType::i64:
      return static_cast<int64_t>(bits);
    case ScalarType::f32: {
      float f = 0;
      const auto u = static_cast<uint32_t>(bits);
      std::memcpy(&f, &u, sizeof f);
      return f;
    }
    case ScalarType::f64: {
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    default:
      return static_cast<long double>(bits);
  }
}

}  // namespace

struct Trigger::Node {
  enum class Kind { any, all, negate, condition } kind = Kind::condition;
  std::vector<std::unique_ptr<Node>> children;
  // condition
  std::string operand_text;
  TriggerOperand operand;
  Op op = Op::changed;
  long double number = 0;
  unsigned bit = 0;
  uint32_t range = 0;
  uint64_t offset = 0;
  std::vector<std::byte> previous;

  std::span<const std::byte> bytes(const std::vector<std::vector<std::byte>>& state) const {
    return std::span<const std::byte>(state[range]).subspan(offset, operand.length);
  }

  // Evaluates every child (no short cut): "changed" and "crosses" must see every sample.
  // `event` is set when a "changed" or "crosses" condition holds on this sample.
  bool eval(const std::vector<std::vector<std::byte>>& state, bool first, bool& event) {
    switch (kind) {
      case Kind::any: {
        bool v = false;
        for (auto& c : children) v = c->eval(state, first, event) || v;
        return v;
      }
      case Kind::all: {
        bool v = true;
        for (auto& c : children) v = c->eval(state, first, event) && v;
        return v;
      }
      case Kind::negate:
        return !children[0]->eval(state, first, event);
      case Kind::condition:
        break;
    }
    const std::span<const std::byte> now = bytes(state);
    const bool same = !first && std::equal(now.begin(), now.end(), previous.begin());
    bool v = false;
    if (op == Op::changed) {
      v = !first && !same;
    } else {
      const long double x = value_of(*operand.type, now);
      const long double before = first ? x : value_of(*operand.type, previous);
      switch (op) {
        case Op::eq:
          v = x == number;
          break;
        case Op::ne:
          v = x != number;
          break;
        case Op::lt:
          v = x < number;
          break;
        case Op::gt:
          v = x > number;
          break;
        case Op::le:
          v = x <= number;
          break;
        case Op::ge:
          v = x >= number;
          break;
        case Op::crosses_above:
          v = !first && before <= number && x > number;
          break;
        case Op::crosses_below:
          v = !first && before >= number && x < number;
          break;
        case Op::crosses:
          v = !first && ((before <= number && x > number) || (before >= number && x < number));
          break;
        case Op::bit_set:
        case Op::bit_clear: {
          const uint64_t bits = load_uint(now.first(scalar_size(*operand.type)), Endian::little);
          v = (((bits >> bit) & 1U) != 0) == (op == Op::bit_set);
          break;
        }
        default:
          break;
      }
    }
    previous.assign(now.begin(), now.end());
    if (v && (op == Op::changed || op == Op::crosses || op == Op::crosses_above ||
              op == Op::crosses_below)) {
      event = true;
    }
    return v;
  }

  void collect(std::vector<const Node*>& out) const {
    if (kind == Kind::condition) out.push_back(this);
    for (const auto& c : children) c->collect(out);
  }
};

namespace {

class Parser {
 public:
  Parser(std::string_view text, const TriggerResolver& resolver)
      : tokens_(tokenize(text)), end_column_(text.size() + 1), resolver_(resolver) {}

  Result<std::unique_ptr<Trigger::Node>> parse() {
    if (tokens_.empty()) return error(end_column_, "the trigger is empty");
    auto node = parse_or();
    if (!node) return node;
    if (pos_ < tokens_.size()) return error(column(), "expected 'and', 'or' or the end");
    return node;
  }

 private:
  using NodePtr = std::unique_ptr<Trigger::Node>;

  size_t column() const { return pos_ < tokens_.size() ? tokens_[pos_].column : end_column_; }
  std::string_view peek() const { return pos_ < tokens_.size() ? tokens_[pos_].text : ""; }
  static Error error(size_t column, std::string_view what) {
    return make_error(Errc::invalid_argument, fmt::format("at column {}: {}", column, what));
  }

  Result<NodePtr> parse_list(Trigger::Node::Kind kind, std::string_view word,
                             std::string_view symbol) {
    const bool is_or = kind == Trigger::Node::Kind::any;
    Result<NodePtr> first = is_or ? parse_and() : parse_unary();
    if (!first) return first;
    if (peek() != word && peek() != symbol) return first;
    auto node = std::make_unique<Trigger::Node>();
    node->kind = kind;
    node->children.push_back(std::move(*first));
    while (peek() == word || peek() == symbol) {
      ++pos_;
      Result<NodePtr> next = is_or ? parse_and() : parse_unary();
      if (!next) return next;
      node->children.push_back(std::move(*next));
    }
    return node;
  }
  Result<NodePtr> parse_or() { return parse_list(Trigger::Node::Kind::any, "or", "||"); }
  Result<NodePtr> parse_and() { return parse_list(Trigger::Node::Kind::all, "and", "&&"); }

  Result<NodePtr> parse_unary() {
    if (++depth_ > 64) return error(column(), "the expression nests too deeply");
    Result<NodePtr> out = parse_unary_inner();
    --depth_;
    return out;
  }

  Result<NodePtr> parse_unary_inner() {
    if (peek() == "not" || peek() == "!") {
      ++pos_;
      Result<NodePtr> inner = parse_unary();
      if (!inner) return inner;
      auto node = std::make_unique<Trigger::Node>();
      node->kind = Trigger::Node::Kind::negate;
      node->children.push_back(std::move(*inner));
      return node;
    }
    if (peek() == "(") {
      ++pos_;
      Result<NodePtr> inner = parse_or();
      if (!inner) return inner;
      if (peek() != ")") return error(column(), "expected ')'");
      ++pos_;
      return inner;
    }
    return parse_condition();
  }

  Result<TriggerOperand> parse_operand(std::string_view t, size_t col) {
    const size_t at = t.find('@');
    if (at != std::string_view::npos) {
      const std::string_view type_name = t.substr(0, at);
      std::string_view where = t.substr(at + 1);
      TriggerOperand o;
      if (type_name == "bytes") {
        const size_t plus = where.find('+');
        if (plus == std::string_view::npos) return error(col, "expected bytes@ADDRESS+LENGTH");
        Result<uint64_t> len = parse_u64(where.substr(plus + 1), "length");
        if (!len || *len == 0 || *len > 4096) {
          return error(col, "the length after '+' must be 1 to 4096 bytes");
        }
        o.length = *len;
        where = where.substr(0, plus);
      } else {
        const std::optional<ScalarType> type = scalar_from_name(type_name);
        if (!type || type_name != scalar_name(*type)) {
          return error(col, fmt::format("unknown type '{}' (u8, i8, u16, i16, u32, i32, u64, "
                                        "i64, f32, f64, bytes)",
                                        type_name));
        }
        o.type = type;
        o.length = scalar_size(*type);
      }
      Result<uint64_t> address = parse_u64(where, "address");
      if (!address) return error(col + at + 1, "expected an address (decimal or 0x hex)");
      o.address = *address;
      return o;
    }
    if (!resolver_) {
      return error(col, fmt::format("'{}' is not a typed address such as u32@0x40 (field "
                                    "names need a layout)",
                                    t));
    }
    Result<TriggerOperand> o = resolver_(t);
    if (!o) return error(col, o.error().message);
    return o;
  }

  Result<NodePtr> parse_condition() {
    if (pos_ >= tokens_.size()) return error(column(), "expected a field or a typed address");
    const Token operand = tokens_[pos_++];
    if (operand.text.size() == 1 && is_symbol(operand.text[0])) {
      return error(operand.column, "expected a field or a typed address");
    }
    Result<TriggerOperand> o = parse_operand(operand.text, operand.column);
    if (!o) return o.error();
    auto node = std::make_unique<Trigger::Node>();
    node->operand_text = std::string(operand.text);
    node->operand = *o;
    const size_t op_column = column();
    const std::string_view op = peek();
    ++pos_;
    if (op == "changed") {
      node->op = Op::changed;
      return node;
    }
    if (!o->type) return error(op_column, "raw bytes can only be tested with 'changed'");
    if (op == "bit") {
      Result<uint64_t> bit = parse_u64(peek(), "bit");
      if (!bit || *bit >= scalar_size(*o->type) * 8) {
        return error(column(), "expected a bit number inside the value");
      }
      node->bit = static_cast<unsigned>(*bit);
      ++pos_;
      if (peek() != "set" && peek() != "cleared")
        return error(column(), "expected 'set' or 'cleared'");
      node->op = peek() == "set" ? Op::bit_set : Op::bit_clear;
      ++pos_;
      return node;
    }
    if (op == "crosses") {
      node->op = Op::crosses;
      if (peek() == "above" || peek() == "below") {
        node->op = peek() == "above" ? Op::crosses_above : Op::crosses_below;
        ++pos_;
      }
    } else if (op == "==") {
      node->op = Op::eq;
    } else if (op == "!=") {
      node->op = Op::ne;
    } else if (op == "<") {
      node->op = Op::lt;
    } else if (op == ">") {
      node->op = Op::gt;
    } else if (op == "<=") {
      node->op = Op::le;
    } else if (op == ">=") {
      node->op = Op::ge;
    } else {
      return error(op_column, "expected changed, ==, !=, <, >, <=, >=, crosses or bit");
    }
    Result<long double> number = parse_number(peek());
    if (!number) return error(column(), "expected a number");
    node->number = *number;
    ++pos_;
    return node;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t end_column_;
  int depth_ = 0;
  const TriggerResolver& resolver_;
};

}  // namespace

std::optional<size_t> trigger_error_column(std::string_view message) {
  // Trigger::parse says "trigger 'TEXT': at column N: ..."; the parser alone "at column N".
  constexpr std::string_view kAt = "at column ";
  size_t at = message.find("': at column ");
  if (at != std::string_view::npos) {
    at += 3;
  } else if (message.starts_with(kAt)) {
    at = 0;
  } else {
    return std::nullopt;
  }
  size_t column = 0;
  const char* first = message.data() + at + kAt.size();
  const char* last = message.data() + message.size();
  const auto [ptr, ec] = std::from_chars(first, last, column);
  if (ec != std::errc() || ptr == first || column == 0) return std::nullopt;
  return column;
}

Trigger::Trigger() = default;
Trigger::~Trigger() = default;
Trigger::Trigger(Trigger&&) noexcept = default;
Trigger& Trigger::operator=(Trigger&&) noexcept = default;

Result<Trigger> Trigger::parse(std::string_view text, const TriggerResolver& resolver) {
  Parser parser(text, resolver);
  Result<std::unique_ptr<Node>> root = parser.parse();
  if (!root) {
    return make_error(Errc::invalid_argument,
                      fmt::format("trigger '{}': {}", text, root.error().message));
  }
  Trigger t;
  t.text_ = std::string(text);
  t.root_ = std::move(*root);
  return t;
}

const std::string& Trigger::text() const {
  return text_;
}

std::vector<ByteRange> Trigger::operands() const {
  std::vector<const Node*> nodes;
  root_->collect(nodes);
  std::vector<ByteRange> out;
  out.reserve(nodes.size());
  for (const Node* n : nodes) out.push_back({n->operand.address, n->operand.length});
  return out;
}

Status Trigger::bind(const std::vector<ByteRange>& ranges) {
  std::vector<const Node*> nodes;
  root_->collect(nodes);
  for (const Node* cn : nodes) {
    auto* n = const_cast<Node*>(cn);  // NOLINT(cppcoreguidelines-pro-type-const-cast): our own tree
    bool found = false;
    for (uint32_t i = 0; i < ranges.size() && !found; ++i) {
      const ByteRange& r = ranges[i];
      if (n->operand.address >= r.address && n->operand.address - r.address <= r.length &&
          n->operand.length <= r.length - (n->operand.address - r.address)) {
        n->range = i;
        n->offset = n->operand.address - r.address;
        found = true;
      }
    }
    if (!found) {
      return make_error(Errc::out_of_range,
                        fmt::format("trigger '{}': {} (0x{:x}+{}) is not inside the recorded "
                                    "ranges",
                                    text_, n->operand_text, n->operand.address, n->operand.length));
    }
  }
  first_ = true;
  was_true_ = false;
  return {};
}

bool Trigger::evaluate(const std::vector<std::vector<std::byte>>& state) {
  bool event = false;
  const bool now = root_->eval(state, first_, event);
  first_ = false;
  const bool fired = now && (!was_true_ || event);
  was_true_ = now;
  return fired;
}

std::string Trigger::describe(const std::vector<std::vector<std::byte>>& state) const {
  std::vector<const Node*> nodes;
  root_->collect(nodes);
  std::string out;
  for (const Node* n : nodes) {
    if (!out.empty()) out += ", ";
    const std::span<const std::byte> b = n->bytes(state);
    out += n->operand_text + " = " +
           (n->operand.type ? decode_scalar(*n->operand.type, b, Endian::little)
                            : format_hex_bytes(b.data(), b.size()));
  }
  return out;
}

}  // namespace memview
