// Embind registers every built-in type at start-up, std::wstring and
// std::u16string included, and that registration pulls the glue's UTF-16 and
// UTF-32 codecs in. No binding here takes or returns a wide string, so the
// registration is a no-op and the codecs drop out (glue 7,579 -> 7,105 B
// brotli). A binding that did use one would fail loudly (unbound type).
mergeInto(LibraryManager.library, {
  _embind_register_std_wstring__deps: [],
  _embind_register_std_wstring: function () {},
});
