#include "core/css_selector.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/unicode_text.h"

namespace microconv {
namespace {

// --- CSS Syntax Level 3 tokens (the part selectors can meet) -------------

enum class Tok : uint8_t {
  kIdent,
  kFunction,
  kAtKeyword,
  kHash,
  kString,
  kBadString,
  kNumber,
  kPercentage,
  kDimension,
  kWhitespace,
  kDelim,
  kColon,
  kSemicolon,
  kComma,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kCdo,
  kCdc,
  kBadUrl,
};

struct Token {
  Tok type = Tok::kDelim;
  std::string value;  // ident, function or at-keyword name, hash, string, unit
  char32_t delim = 0;
  bool id_hash = false;     // a hash whose name would start an identifier
  bool integer = false;     // a number without '.' or exponent
  bool signed_num = false;  // written with a leading '+' or '-'
};

void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

constexpr char32_t kEof = 0xFFFFFFFF;
constexpr char32_t kReplacement = 0xFFFD;

bool IsHex(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 0x80 && c != kEof);
}
bool IsName(char32_t c) { return IsNameStart(c) || IsDigit(c) || c == '-'; }
bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n'; }

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) {
    // Preprocessing: CR LF, CR and FF become LF; NUL and malformed bytes
    // become U+FFFD.
    for (size_t at = 0; at < text.size();) {
      char32_t c = DecodeUtf8(text, at);
      if (c == kMalformedUtf8 || c == 0 || (c >= 0xD800 && c <= 0xDFFF)) c = kReplacement;
      if (c == '\r') {
        if (at < text.size() && text[at] == '\n') ++at;
        c = '\n';
      } else if (c == '\f') {
        c = '\n';
      }
      in_.push_back(c);
    }
  }

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipComments();
      if (Peek() == kEof) break;
      tokens.push_back(Next());
    }
    return tokens;
  }

 private:
  char32_t Peek(size_t ahead = 0) const {
    return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : kEof;
  }
  static bool ValidEscape(char32_t first, char32_t second) {
    return first == '\\' && second != '\n';
  }
  bool StartsIdent(size_t ahead = 0) const {
    const char32_t a = Peek(ahead), b = Peek(ahead + 1), c = Peek(ahead + 2);
    if (a == '-') return IsNameStart(b) || b == '-' || ValidEscape(b, c);
    if (IsNameStart(a)) return true;
    return ValidEscape(a, b);
  }
  bool StartsNumber() const {
    const char32_t a = Peek(), b = Peek(1), c = Peek(2);
    if (a == '+' || a == '-') return IsDigit(b) || (b == '.' && IsDigit(c));
    if (a == '.') return IsDigit(b);
    return IsDigit(a);
  }
  void SkipComments() {
    while (Peek() == '/' && Peek(1) == '*') {
      pos_ += 2;
      while (Peek() != kEof && !(Peek() == '*' && Peek(1) == '/')) ++pos_;
      if (Peek() != kEof) pos_ += 2;
    }
  }
  // After the backslash of a valid escape.
  char32_t ConsumeEscape() {
    if (Peek() == kEof) return kReplacement;
    if (IsHex(Peek())) {
      char32_t value = 0;
      for (int i = 0; i < 6 && IsHex(Peek()); ++i) {
        const char32_t c = in_[pos_++];
        value = value * 16 + (IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
      }
      if (IsSpace(Peek())) ++pos_;
      if (value == 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        return kReplacement;
      }
      return value;
    }
    return in_[pos_++];
  }
  std::string ConsumeName() {
    std::string name;
    while (true) {
      const char32_t c = Peek();
      if (IsName(c)) {
        AppendUtf8(name, c);
        ++pos_;
      } else if (ValidEscape(c, Peek(1))) {
        ++pos_;
        AppendUtf8(name, ConsumeEscape());
      } else {
        return name;
      }
    }
  }
  Token ConsumeNumeric() {
    Token t;
    t.type = Tok::kNumber;
    t.integer = true;
    if (Peek() == '+' || Peek() == '-') {
      t.signed_num = true;
      ++pos_;
    }
    while (IsDigit(Peek())) ++pos_;
    if (Peek() == '.' && IsDigit(Peek(1))) {
      t.integer = false;
      pos_ += 2;
      while (IsDigit(Peek())) ++pos_;
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && IsDigit(Peek(2))))) {
      t.integer = false;
      pos_ += 2;
      while (IsDigit(Peek())) ++pos_;
    }
    if (StartsIdent()) {
      t.type = Tok::kDimension;
      t.value = ConsumeName();
    } else if (Peek() == '%') {
      ++pos_;
      t.type = Tok::kPercentage;
    }
    return t;
  }
  Token ConsumeString(char32_t quote) {
    Token t;
    t.type = Tok::kString;
    while (true) {
      const char32_t c = Peek();
      if (c == kEof) return t;  // EOF closes a string
      ++pos_;
      if (c == quote) return t;
      if (c == '\n') {
        --pos_;
        t.type = Tok::kBadString;
        return t;
      }
      if (c == '\\') {
        if (Peek() == kEof) continue;
        if (Peek() == '\n') {
          ++pos_;
          continue;
        }
        AppendUtf8(t.value, ConsumeEscape());
        continue;
      }
      AppendUtf8(t.value, c);
    }
  }
  Token IdentLike() {
    Token t;
    t.value = ConsumeName();
    if (Peek() == '(') {
      ++pos_;
      t.type = Tok::kFunction;
      std::string lower = t.value;
      for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
      if (lower == "url") {
        // url( with an unquoted value is a url token: never a selector.
        while (IsSpace(Peek())) ++pos_;
        if (Peek() != '"' && Peek() != '\'') {
          while (Peek() != kEof && Peek() != ')') ++pos_;
          if (Peek() == ')') ++pos_;
          t.type = Tok::kBadUrl;
        }
      }
    } else {
      t.type = Tok::kIdent;
    }
    return t;
  }
  Token Next() {
    const char32_t c = Peek();
    Token t;
    if (IsSpace(c)) {
      while (IsSpace(Peek())) ++pos_;
      t.type = Tok::kWhitespace;
      return t;
    }
    if (c == '"' || c == '\'') {
      ++pos_;
      return ConsumeString(c);
    }
    if (c == '#') {
      if (IsName(Peek(1)) || ValidEscape(Peek(1), Peek(2))) {
        ++pos_;
        t.type = Tok::kHash;
        t.id_hash = StartsIdent();
        t.value = ConsumeName();
        return t;
      }
    }
    if ((c == '+' || c == '.') && StartsNumber()) return ConsumeNumeric();
    if (c == '-') {
      if (StartsNumber()) return ConsumeNumeric();
      if (Peek(1) == '-' && Peek(2) == '>') {
        pos_ += 3;
        t.type = Tok::kCdc;
        return t;
      }
      if (StartsIdent()) return IdentLike();
    }
    if (c == '<' && Peek(1) == '!' && Peek(2) == '-' && Peek(3) == '-') {
      pos_ += 4;
      t.type = Tok::kCdo;
      return t;
    }
    if (c == '@' && StartsIdent(1)) {
      ++pos_;
      t.type = Tok::kAtKeyword;
      t.value = ConsumeName();
      return t;
    }
    if (c == '\\' && ValidEscape(c, Peek(1))) return IdentLike();
    if (IsDigit(c)) return ConsumeNumeric();
    if (IsNameStart(c)) return IdentLike();
    ++pos_;
    static constexpr std::array<std::pair<char32_t, Tok>, 9> kSingles = {{{':', Tok::kColon},
                                                                          {';', Tok::kSemicolon},
                                                                          {',', Tok::kComma},
                                                                          {'[', Tok::kLBracket},
                                                                          {']', Tok::kRBracket},
                                                                          {'(', Tok::kLParen},
                                                                          {')', Tok::kRParen},
                                                                          {'{', Tok::kLBrace},
                                                                          {'}', Tok::kRBrace}}};
    for (const auto& [ch, type] : kSingles) {
      if (ch == c) {
        t.type = type;
        return t;
      }
    }
    t.type = Tok::kDelim;
    t.delim = c;
    return t;
  }

  std::u32string in_;
  size_t pos_ = 0;
};

// --- Selectors Level 4, as Chromium accepts them -------------------------

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return text;
}

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Pseudo-classes without arguments Chromium knows (an unknown one makes
// the whole selector invalid there).
bool KnownPseudoClass(std::string_view name) {
  return OneOf(
      name, {"active", "active-view-transition", "any-link", "autofill", "checked", "current",
             "default", "defined", "disabled", "empty", "enabled", "first-child", "first-of-type",
             "focus", "focus-visible", "focus-within", "fullscreen", "future", "host", "hover",
             "in-range", "indeterminate", "interest-source", "interest-target", "invalid",
             "last-child", "last-of-type", "link", "modal", "only-child", "only-of-type", "open",
             "optional", "out-of-range", "past", "picture-in-picture", "placeholder-shown",
             "popover-open", "read-only", "read-write", "required", "root", "scope", "target",
             "target-current", "user-invalid", "user-valid", "valid", "visited", "xr-overlay",
             "-webkit-any-link", "-webkit-autofill", "-webkit-drag", "-webkit-full-page-media",
             "-webkit-full-screen", "-webkit-full-screen-ancestor",
             // Scrollbar states: parsed everywhere, they match only after
             // ::-webkit-scrollbar pseudo-elements.
             "window-inactive", "horizontal", "vertical", "decrement", "increment", "start", "end",
             "double-button", "single-button", "no-button", "corner-present"});
}

bool ScrollbarState(std::string_view name) {
  return OneOf(name, {"window-inactive", "horizontal", "vertical", "decrement", "increment",
                      "start", "end", "double-button", "single-button", "no-button",
                      "corner-present", "hover", "active", "enabled", "disabled"});
}

bool KnownPseudoElement(std::string_view name) {
  return name.starts_with("-webkit-") ||
         OneOf(name, {"after",          "backdrop",    "before",          "checkmark",
                      "column",         "cue",         "details-content", "file-selector-button",
                      "first-letter",   "first-line",  "grammar-error",   "marker",
                      "picker-icon",    "placeholder", "scroll-marker",   "scroll-marker-group",
                      "search-text",    "selection",   "spelling-error",  "target-text",
                      "view-transition"});
}

struct Context {
  bool in_has = false;          // :has() may not nest
  bool pseudo_elements = true;  // false inside :not() and :has()
};

class SelectorParser {
 public:
  explicit SelectorParser(const std::vector<Token>& tokens) : t_(tokens) {}

  Status SelectorList(size_t begin, size_t end, Context context, bool relative = false) {
    const std::vector<std::pair<size_t, size_t>> parts = Split(begin, end);
    for (const auto& [from, to] : parts) {
      if (Status s = Complex(from, to, context, relative); !s.ok()) return s;
    }
    return {};
  }

  const Token& at(size_t i) const { return t_[i]; }

 private:
  static Status Fail(const std::string& why) { return {Error::kOutOfRange, why}; }

  std::string Describe(size_t i, size_t end) const {
    if (i >= end) return "the end";
    const Token& t = t_[i];
    switch (t.type) {
      case Tok::kIdent:
        return "\"" + t.value + "\"";
      case Tok::kFunction:
        return "\"" + t.value + "(\"";
      case Tok::kHash:
        return "\"#" + t.value + "\"";
      case Tok::kString:
      case Tok::kBadString:
        return "a quoted string";
      case Tok::kNumber:
      case Tok::kPercentage:
      case Tok::kDimension:
        return "a number";
      case Tok::kWhitespace:
        return "a space";
      case Tok::kDelim: {
        std::string text = "\"";
        AppendUtf8(text, t.delim);
        return text + "\"";
      }
      case Tok::kColon:
        return "\":\"";
      case Tok::kSemicolon:
        return "\";\"";
      case Tok::kComma:
        return "\",\"";
      case Tok::kLBracket:
        return "\"[\"";
      case Tok::kRBracket:
        return "\"]\"";
      case Tok::kLParen:
        return "\"(\"";
      case Tok::kRParen:
        return "\")\"";
      case Tok::kLBrace:
        return "\"{\"";
      case Tok::kRBrace:
        return "\"}\"";
      case Tok::kAtKeyword:
        return "\"@" + t.value + "\"";
      default:
        return "an unexpected token";
    }
  }

  bool IsDelim(size_t i, size_t end, char32_t c) const {
    return i < end && t_[i].type == Tok::kDelim && t_[i].delim == c;
  }
  bool Is(size_t i, size_t end, Tok type) const { return i < end && t_[i].type == type; }
  size_t SkipSpace(size_t i, size_t end) const {
    while (Is(i, end, Tok::kWhitespace)) ++i;
    return i;
  }
  size_t TrimEnd(size_t begin, size_t end) const {
    while (end > begin && t_[end - 1].type == Tok::kWhitespace) --end;
    return end;
  }

  // The index of the token closing the block opened at `open` (a function,
  // '(' or '['), or `end` when the input ends first (EOF closes blocks).
  size_t BlockEnd(size_t open, size_t end) const {
    std::vector<Tok> closers;
    closers.push_back(t_[open].type == Tok::kLBracket ? Tok::kRBracket
                      : t_[open].type == Tok::kLBrace ? Tok::kRBrace
                                                      : Tok::kRParen);
    for (size_t i = open + 1; i < end; ++i) {
      const Tok type = t_[i].type;
      if (type == closers.back()) {
        closers.pop_back();
        if (closers.empty()) return i;
      } else if (type == Tok::kFunction || type == Tok::kLParen) {
        closers.push_back(Tok::kRParen);
      } else if (type == Tok::kLBracket) {
        closers.push_back(Tok::kRBracket);
      } else if (type == Tok::kLBrace) {
        closers.push_back(Tok::kRBrace);
      }
    }
    return end;
  }

  // The comma-separated parts of [begin, end) at its top level.
  std::vector<std::pair<size_t, size_t>> Split(size_t begin, size_t end) const {
    std::vector<std::pair<size_t, size_t>> parts;
    size_t from = begin;
    for (size_t i = begin; i < end; ++i) {
      const Tok type = t_[i].type;
      if (type == Tok::kFunction || type == Tok::kLParen || type == Tok::kLBracket ||
          type == Tok::kLBrace) {
        i = BlockEnd(i, end);
        if (i == end) break;
      } else if (type == Tok::kComma) {
        parts.emplace_back(from, i);
        from = i + 1;
      }
    }
    parts.emplace_back(from, end);
    return parts;
  }

  Status Complex(size_t begin, size_t end, Context context, bool relative) {
    size_t i = SkipSpace(begin, end);
    end = TrimEnd(i, end);
    if (i >= end) return Fail("an empty selector (a stray comma?)");
    if (relative && (IsDelim(i, end, '>') || IsDelim(i, end, '+') || IsDelim(i, end, '~'))) {
      i = SkipSpace(i + 1, end);
      if (i >= end) return Fail("nothing after the combinator");
    }
    while (true) {
      bool pseudo_element = false;
      if (Status s = Compound(i, end, context, &pseudo_element); !s.ok()) return s;
      if (i >= end) return {};
      if (pseudo_element) return Fail("nothing may follow a pseudo-element but its states");
      const size_t after_space = SkipSpace(i, end);
      const bool spaced = after_space > i;
      i = after_space;
      if (IsDelim(i, end, '>') || IsDelim(i, end, '+') || IsDelim(i, end, '~')) {
        if (IsDelim(i + 1, end, '>') || IsDelim(i + 1, end, '|')) {
          return Fail("unknown combinator " + Describe(i, end) + Describe(i + 1, end));
        }
        i = SkipSpace(i + 1, end);
        if (i >= end) return Fail("nothing after the combinator");
      } else if (!spaced) {
        return Fail("unexpected " + Describe(i, end));
      }
    }
  }

  // A type selector ("a", "*", "*|a", "|a"), advancing `i` past it; false
  // when there is none.
  Status TypeSelector(size_t& i, size_t end, bool* found) {
    *found = false;
    const bool name = Is(i, end, Tok::kIdent) || IsDelim(i, end, '*');
    if (IsDelim(i, end, '|') && (Is(i + 1, end, Tok::kIdent) || IsDelim(i + 1, end, '*'))) {
      i += 2;
      *found = true;
      return {};
    }
    if (!name) return {};
    if (IsDelim(i + 1, end, '|') && (Is(i + 2, end, Tok::kIdent) || IsDelim(i + 2, end, '*'))) {
      if (!IsDelim(i, end, '*')) {
        return Fail("namespace prefix " + t_[i].value + "| was never declared (no @namespace)");
      }
      i += 3;
      *found = true;
      return {};
    }
    ++i;
    *found = true;
    return {};
  }

  Status Compound(size_t& i, size_t end, Context context, bool* pseudo_element) {
    bool found = false;
    if (Status s = TypeSelector(i, end, &found); !s.ok()) return s;
    std::string element;  // the pseudo-element, once there is one
    while (i < end) {
      const Token& t = t_[i];
      if (!element.empty() && t.type != Tok::kColon) {
        return Fail("nothing may follow the pseudo-element ::" + element + " here");
      }
      if (t.type == Tok::kHash) {
        if (!t.id_hash)
          return Fail("#" + t.value + " is not an id selector (it starts with a digit)");
        ++i;
      } else if (IsDelim(i, end, '.')) {
        if (!Is(i + 1, end, Tok::kIdent)) {
          return Fail("a class name must follow \".\", got " + Describe(i + 1, end));
        }
        i += 2;
      } else if (IsDelim(i, end, '&')) {
        ++i;  // the nesting selector: :scope in querySelector
      } else if (t.type == Tok::kLBracket) {
        const size_t close = BlockEnd(i, end);
        if (Status s = Attribute(i + 1, close); !s.ok()) return s;
        i = close < end ? close + 1 : end;
      } else if (t.type == Tok::kColon) {
        if (Is(i + 1, end, Tok::kColon)) {
          if (!context.pseudo_elements) {
            return Fail("pseudo-elements are not allowed inside :not() or :has()");
          }
          std::string name;
          if (Status s = PseudoElement(i, end, context, &name); !s.ok()) return s;
          if (!element.empty() && !AllowedAfter(element, "::" + name)) {
            return Fail("::" + name + " cannot follow ::" + element);
          }
          element = name;
        } else {
          std::string name;
          bool legacy_element = false;
          if (Status s = PseudoClass(i, end, context, &name, &legacy_element); !s.ok()) return s;
          if (legacy_element) {
            if (!context.pseudo_elements) {
              return Fail("pseudo-elements are not allowed inside :not() or :has()");
            }
            if (!element.empty()) return Fail(":" + name + " cannot follow ::" + element);
            element = name;
          } else if (!element.empty() && !AllowedAfter(element, name)) {
            return Fail(":" + name + " cannot follow the pseudo-element ::" + element);
          }
        }
      } else if (t.type == Tok::kIdent || IsDelim(i, end, '*')) {
        return Fail("a type selector (" + Describe(i, end) + ") must come first in a compound");
      } else {
        break;
      }
      found = true;
    }
    if (!found) return Fail("expected a selector, got " + Describe(i, end));
    *pseudo_element = !element.empty();
    return {};
  }

  // What may follow pseudo-element `element` in the same compound: `next`
  // is "::name" for a pseudo-element, "name" for a pseudo-class.
  static bool AllowedAfter(const std::string& element, const std::string& next) {
    if (next == "is" || next == "where") return true;
    if (next.starts_with("::")) {
      const std::string name = next.substr(2);
      if (element == "before" || element == "after") return name == "marker";
      return element.starts_with("part(") && !name.starts_with("part");
    }
    if (element.starts_with("part(")) return true;
    if (element.starts_with("-webkit-")) return ScrollbarState(next);
    if (element == "selection") return next == "window-inactive";
    if (element.starts_with("view-transition")) return next == "only-child";
    return false;
  }

  Status Attribute(size_t begin, size_t end) {
    size_t i = SkipSpace(begin, end);
    // [*|a], [|a], [a]; a named namespace prefix was never declared.
    if ((IsDelim(i, end, '*') || IsDelim(i, end, '|')) && !Is(i, end, Tok::kIdent)) {
      const size_t bar = IsDelim(i, end, '*') ? i + 1 : i;
      if (!IsDelim(bar, end, '|') || !Is(bar + 1, end, Tok::kIdent)) {
        return Fail("an attribute selector needs an attribute name");
      }
      i = bar + 1;
    } else if (Is(i, end, Tok::kIdent) && IsDelim(i + 1, end, '|') && Is(i + 2, end, Tok::kIdent)) {
      return Fail("namespace prefix " + t_[i].value + "| was never declared (no @namespace)");
    }
    if (!Is(i, end, Tok::kIdent)) return Fail("an attribute selector needs an attribute name");
    i = SkipSpace(i + 1, end);
    if (i >= end) return {};
    if (IsDelim(i, end, '=')) {
      ++i;
    } else if (Is(i, end, Tok::kDelim) &&
               OneOf(std::string(1, static_cast<char>(t_[i].delim)), {"~", "|", "^", "$", "*"}) &&
               IsDelim(i + 1, end, '=')) {
      i += 2;
    } else {
      return Fail("unknown attribute operator " + Describe(i, end) + " (=, ~=, |=, ^=, $= or *=)");
    }
    i = SkipSpace(i, end);
    if (!Is(i, end, Tok::kIdent) && !Is(i, end, Tok::kString)) {
      return Fail("an attribute value must be a name or a quoted string, got " + Describe(i, end) +
                  " (quote it)");
    }
    i = SkipSpace(i + 1, end);
    if (Is(i, end, Tok::kIdent)) {
      if (Lower(t_[i].value) != "i") {
        return Fail("unknown attribute flag \"" + t_[i].value + "\" (only i)");
      }
      i = SkipSpace(i + 1, end);
    }
    if (i < end) return Fail("unexpected " + Describe(i, end) + " in an attribute selector");
    return {};
  }

  // The arguments of the function token at `open`: [*begin, *end).
  void Arguments(size_t open, size_t end, size_t* args_begin, size_t* args_end,
                 size_t* next) const {
    const size_t close = BlockEnd(open, end);
    *args_begin = SkipSpace(open + 1, close);
    *args_end = TrimEnd(*args_begin, close);
    *next = close < end ? close + 1 : end;
  }

  Status OneIdent(size_t begin, size_t end, const std::string& what) {
    if (begin + 1 != end || !Is(begin, end, Tok::kIdent)) {
      return Fail(what + " takes one name, got " + Describe(begin, end));
    }
    return {};
  }

  Status PseudoClass(size_t& i, size_t end, Context context, std::string* name,
                     bool* legacy_element) {
    const size_t at = i + 1;
    *legacy_element = false;
    if (Is(at, end, Tok::kIdent)) {
      *name = Lower(t_[at].value);
      i = at + 1;
      if (OneOf(*name, {"before", "after", "first-line", "first-letter"})) {
        *legacy_element = true;
        return {};
      }
      if (!KnownPseudoClass(*name)) return Fail("unknown pseudo-class :" + t_[at].value);
      return {};
    }
    if (!Is(at, end, Tok::kFunction)) {
      return Fail("a pseudo-class name must follow \":\", got " + Describe(at, end));
    }
    *name = Lower(t_[at].value);
    size_t b = 0, e = 0;
    Arguments(at, end, &b, &e, &i);
    const std::string shown = ":" + t_[at].value + "()";
    if (*name == "is" || *name == "where") {
      // Forgiving: an argument that does not parse is dropped, not an error.
      return {};
    }
    if (*name == "not") {
      if (b >= e) return Fail(shown + " needs a selector");
      Context inner = context;
      inner.pseudo_elements = false;
      return SelectorList(b, e, inner);
    }
    if (*name == "has") {
      if (context.in_has) return Fail(":has() cannot be nested in :has()");
      if (b >= e) return Fail(shown + " needs a selector");
      Context inner{true, false};
      return SelectorList(b, e, inner, true);
    }
    if (OneOf(*name, {"nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type"})) {
      size_t after = b;
      if (Status s = AnPlusB(after, e, shown); !s.ok()) return s;
      if (after >= e) return {};
      const size_t of = SkipSpace(after, e);
      if (of > after && Is(of, e, Tok::kIdent) && Lower(t_[of].value) == "of" &&
          OneOf(*name, {"nth-child", "nth-last-child"}) && Is(of + 1, e, Tok::kWhitespace)) {
        const size_t list = SkipSpace(of + 1, e);
        if (list >= e) return Fail(shown + ": a selector must follow \"of\"");
        return SelectorList(list, e, context);
      }
      return Fail(shown + ": unexpected " + Describe(of, e) + " after An+B");
    }
    if (*name == "lang" || *name == "dir" || *name == "state") return OneIdent(b, e, shown);
    if (*name == "active-view-transition-type") {
      for (const auto& [from, to] : Split(b, e)) {
        if (Status s = OneIdent(SkipSpace(from, to), TrimEnd(from, to), shown); !s.ok()) return s;
      }
      return {};
    }
    if (*name == "host" || *name == "host-context") return CompoundArgument(b, e, shown, context);
    if (*name == "-webkit-any") {
      for (const auto& [from, to] : Split(b, e)) {
        if (Status s = CompoundArgument(SkipSpace(from, to), TrimEnd(from, to), shown, context);
            !s.ok()) {
          return s;
        }
      }
      return {};
    }
    return Fail("unknown pseudo-class " + shown);
  }

  Status CompoundArgument(size_t b, size_t e, const std::string& shown, Context context) {
    if (b >= e) return Fail(shown + " needs a compound selector");
    Context inner = context;
    inner.pseudo_elements = false;
    size_t i = b;
    bool element = false;
    if (Status s = Compound(i, e, inner, &element); !s.ok()) return s;
    if (i < e) return Fail(shown + " takes one compound selector, got " + Describe(i, e));
    return {};
  }

  Status PseudoElement(size_t& i, size_t end, Context context, std::string* name) {
    const size_t at = i + 2;
    if (Is(at, end, Tok::kIdent)) {
      *name = Lower(t_[at].value);
      i = at + 1;
      if (!KnownPseudoElement(*name)) return Fail("unknown pseudo-element ::" + t_[at].value);
      return {};
    }
    if (!Is(at, end, Tok::kFunction)) {
      return Fail("a pseudo-element name must follow \"::\", got " + Describe(at, end));
    }
    const std::string fn = Lower(t_[at].value);
    *name = fn + "()";
    size_t b = 0, e = 0;
    Arguments(at, end, &b, &e, &i);
    const std::string shown = "::" + t_[at].value + "()";
    if (fn == "part") {
      if (b >= e) return Fail(shown + " needs a name");
      for (size_t k = b; k < e; ++k) {
        if (!Is(k, e, Tok::kIdent) && !Is(k, e, Tok::kWhitespace)) {
          return Fail(shown + " takes names, got " + Describe(k, e));
        }
      }
      *name = "part()";
      return {};
    }
    if (fn == "slotted") return CompoundArgument(b, e, shown, context);
    if (fn == "cue") {
      if (b >= e) return Fail(shown + " needs a selector");
      Context inner = context;
      inner.pseudo_elements = false;
      return SelectorList(b, e, inner);
    }
    if (fn == "highlight" || fn == "picker") return OneIdent(b, e, shown);
    if (OneOf(fn, {"view-transition-group", "view-transition-image-pair", "view-transition-old",
                   "view-transition-new", "scroll-button"})) {
      if (b + 1 == e && IsDelim(b, e, '*')) return {};
      return OneIdent(b, e, shown);
    }
    return Fail("unknown pseudo-element " + shown);
  }

  // An+B (CSS Syntax 3 section 6): "odd", "even", "3", "-n+2", "2n - 1"...;
  // advances `i` past it (spaces after it too).
  Status AnPlusB(size_t& i, size_t end, const std::string& shown) {
    const auto fail = [&] { return Fail(shown + ": not an An+B expression (2n+1, odd, even, 3)"); };
    const auto signless = [&](size_t k) {
      return Is(k, end, Tok::kNumber) && t_[k].integer && !t_[k].signed_num;
    };
    const auto is_digits = [](std::string_view text) {
      return !text.empty() &&
             std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    i = SkipSpace(i, end);
    if (i >= end) return fail();
    std::string n_form;  // "n", "n-", "n-<digits>" after the A part
    const Token& t = t_[i];
    if (t.type == Tok::kNumber) {
      if (!t.integer) return fail();
      ++i;
      return {};
    }
    if (t.type == Tok::kIdent) {
      const std::string v = Lower(t.value);
      if (v == "even" || v == "odd") {
        ++i;
        return {};
      }
      n_form = v.starts_with("-n") ? v.substr(1) : v;
    } else if (IsDelim(i, end, '+') && Is(i + 1, end, Tok::kIdent)) {
      ++i;
      n_form = Lower(t_[i].value);
      if (n_form.starts_with("-")) return fail();
    } else if (t.type == Tok::kDimension && t.integer) {
      n_form = Lower(t.value);
    } else {
      return fail();
    }
    ++i;
    if (n_form == "n") {
      const size_t k = SkipSpace(i, end);
      if (Is(k, end, Tok::kNumber) && t_[k].integer && t_[k].signed_num) {
        i = k + 1;
      } else if (IsDelim(k, end, '+') || IsDelim(k, end, '-')) {
        const size_t digits = SkipSpace(k + 1, end);
        if (!signless(digits)) return fail();
        i = digits + 1;
      }
      return {};
    }
    if (n_form == "n-") {
      const size_t digits = SkipSpace(i, end);
      if (!signless(digits)) return fail();
      i = digits + 1;
      return {};
    }
    if (n_form.starts_with("n-") && is_digits(n_form.substr(2))) return {};
    return fail();
  }

  const std::vector<Token>& t_;
};

}  // namespace

Status CheckCssSelector(std::string_view selector) {
  const std::vector<Token> tokens = Tokenizer(selector).Run();
  for (const Token& t : tokens) {
    if (t.type == Tok::kBadString) return {Error::kOutOfRange, "a string runs past a line break"};
    if (t.type == Tok::kBadUrl) return {Error::kOutOfRange, "url() is not a selector"};
  }
  SelectorParser parser(tokens);
  return parser.SelectorList(0, tokens.size(), Context{});
}

}  // namespace microconv
