// The privacy audit's planted secrets (fixtures audit_home.html and
// audit_form.html, and the values the audits type): none may leave the page.
export const kSecrets = [
  'SECRET_TITLE_5d1c',
  'SECRET_CLASS_8a2e',
  'SECRET_ATTR_77f1',
  'SECRET_TITLE_ATTR_19b4',
  'SECRET_TEXT_4e0a',
  'SECRET_ALT_0c3d',
  'SECRET_LINK_CLASS_2b9f',
  'SECRET_ARIA_6a1e',
  'SECRET_HREF_31c8',
  'SECRET_FORM_ATTR_90aa',
  'SECRET_PLACEHOLDER_c0de',
  'SECRET_PREFILLED_5f5f',
  'SECRET_BUTTON_ATTR_ab12',
  'SECRET_QUERY_e7e7',
  'SECRET_EMAIL_1f2e',
  'SECRET_PASSWORD_3c4d',
  'SECRET_NOTE_9b8a',
  'SECRET_TYPED_4242',
];

// The secrets found in `text`.
export function leaks(text) {
  return kSecrets.filter((secret) => text.includes(secret));
}
