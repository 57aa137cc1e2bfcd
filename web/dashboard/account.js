// Who is logged in, and the logout button: a POST carrying the session's
// CSRF token in a header (the collector refuses a logout without it).
import { clear, el } from './dom.js';

async function logOut(csrf) {
  try {
    await fetch('/logout', {
      method: 'POST',
      headers: { 'X-CSRF-Token': csrf },
      redirect: 'manual',
    });
  } finally {
    location.assign('/login');
  }
}

// me: { user, site, csrf } from /api/me, or null.
export function showAccount(box, me) {
  if (!me || (!me.user && !me.site)) {
    box.hidden = true;
    return;
  }
  const who = me.user ? me.user : `shared link: ${me.site}`;
  const logout = me.csrf
    ? el('button', {
        className: 'btn',
        text: me.user ? 'Log out' : 'Leave',
        attrs: { type: 'button', id: 'logout' },
        on: { click: () => logOut(me.csrf) },
      })
    : null;
  clear(
    box,
    el('span', { className: 'account-name', text: who, attrs: { id: 'account-name' } }),
    logout,
  );
  box.hidden = false;
}
