// Whether this visitor's data may leave the page or be stored. The loader has
// already handled what needs no config (opt-out flag, localhost, webdriver);
// these rules depend on the site's config (tracker settings `privacy`).

// The browser's own "do not track me" signals, when the config honours them
// (the default). Returns the reason, or '' when none applies.
export function browserSignal(privacy) {
  const nav = navigator;
  if (privacy.honorGpc !== false && nav.globalPrivacyControl === true)
    return 'Global Privacy Control';
  if (privacy.honorDnt !== false && (nav.doNotTrack === '1' || window.doNotTrack === '1')) {
    return 'Do Not Track';
  }
  return '';
}

// Consent: true / false from microconv('consent', ...), or null when the
// visitor has not been asked. Require-consent mode waits for true; otherwise
// only an explicit false stops the tracker.
export function mayStoreAndSend(privacy, signal, consent) {
  if (signal) return false;
  return privacy.requireConsent ? consent === true : consent !== false;
}
