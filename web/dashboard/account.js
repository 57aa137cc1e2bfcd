// Who is logged in, and the logout button: a plain form POST carrying the
// session's CSRF token (the collector refuses a logout without it).
import { clear, el } from './dom.js';

// me: { user, site, csrf } from /api/me, or null.
export function showAccount(box, me) {
  if (!me || (!me.user && !me.site)) {
    box.hidden = true;
    return;
  }
  const who = me.user ? me.user : `shared link: ${me.site}`;
  const logout = me.csrf
    ? el(
        'form',
        { attrs: { method: 'post', action: '/logout' } },
        el('input', { attrs: { type: 'hidden', name: 'csrf', value: me.csrf } }),
        el('button', {
          className: 'btn',
          text: me.user ? 'Log out' : 'Leave',
          attrs: { type: 'submit' },
        }),
      )
    : null;
  clear(
    box,
    el('span', { className: 'account-name', text: who, attrs: { id: 'account-name' } }),
    logout,
  );
  box.hidden = false;
}
