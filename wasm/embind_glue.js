// Trims of Embind's JS runtime (a --js-library after embind.js and emval.js,
// wasm/CMakeLists.txt): each override drops glue no caller of the browser
// modules uses.
mergeInto(LibraryManager.library, {
  // Module.count_emval_handles / get_first_emval: leak-debugging helpers
  // that Embind puts on every module; the tracker never calls them.
  $init_emval__deps: [],
  $init_emval: function () {},
});
