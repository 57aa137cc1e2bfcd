// CSS selectors checked the way the browser will parse them: a config's
// click, visibility, media and form selectors go to Element.matches and
// querySelector in the tracker, where one that does not parse throws and
// tracks nothing. Checking here makes `config check` (and the collector's
// config load) refuse it with the reason instead.
//
// A hand parser of the Selectors Level 4 grammar over CSS Syntax Level 3
// tokens, with Chromium's choices where the specs leave room (which
// pseudo-classes and pseudo-elements exist, forgiving :is()/:where(), no
// :has() inside :has(), no namespace prefixes without @namespace, `i` as
// the only attribute flag). No Debian or npm C++ library parses selectors
// (ARCHITECTURE.md says why this one is ours). tests/e2e/
// selector_verdicts.test.mjs runs a list of selectors through both this
// and Chromium's document.querySelector and requires the same verdict.
#ifndef MICROCONV_CORE_CSS_SELECTOR_H_
#define MICROCONV_CORE_CSS_SELECTOR_H_

#include <string_view>

#include "core/status.h"

namespace microconv {

// OK when `selector` is a selector list Chromium's querySelector accepts;
// kOutOfRange with the reason otherwise ("unknown pseudo-class :hovr").
Status CheckCssSelector(std::string_view selector);

}  // namespace microconv

#endif  // MICROCONV_CORE_CSS_SELECTOR_H_
