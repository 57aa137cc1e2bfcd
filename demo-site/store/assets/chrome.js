// The header and footer of every page: logo, search (decorative), account and
// cart links, the departments menu, and the footer's newsletter form.
import { departments } from './catalogue.js';
import { $, h, icon, kIcons } from './dom.js';
import { cartLines, flash, onCartChange, setSignedIn, signedIn } from './state.js';

export function renderHeader(header) {
  const account = signedIn()
    ? h(
        'button',
        { type: 'button', id: 'signout', onclick: signOut },
        icon(kIcons.user),
        h('span', { class: 'label' }, 'Sign out'),
      )
    : h(
        'a',
        { id: 'signin-link', href: '/signin' },
        icon(kIcons.user),
        h('span', { class: 'label' }, 'Sign in'),
      );
  const searchInput = h('input', {
    id: 'site-search',
    type: 'search',
    placeholder: 'Search headphones and more…',
    autocomplete: 'off',
  });
  header.append(
    h('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
    h(
      'p',
      { class: 'announce' },
      'Demo store: nothing here is for sale. microconv analyses this visit inside your browser. ',
      h('a', { href: '/playground' }, 'See exactly what it computes and sends →'),
    ),
    h(
      'div',
      { class: 'masthead container' },
      h(
        'a',
        { class: 'brand', href: '/' },
        icon(kIcons.logo),
        h('span', {}, 'Sonora', h('small', {}, 'Audio')),
      ),
      h(
        'div',
        { class: 'search', role: 'search' },
        h('label', { class: 'visually-hidden', for: 'site-search' }, 'Search the store'),
        searchInput,
        h(
          'button',
          { type: 'button', 'aria-label': 'Search', onclick: explainSearch },
          icon(kIcons.search),
        ),
      ),
      h(
        'nav',
        { class: 'account-nav', 'aria-label': 'Your account' },
        account,
        h(
          'a',
          { id: 'cart-link', href: '/cart' },
          icon(kIcons.bag),
          h('span', { class: 'label' }, 'Cart'),
          h('span', { class: 'cart-count', 'aria-hidden': 'true' }, '0'),
          h('span', { class: 'visually-hidden cart-count-text' }, '(empty)'),
        ),
      ),
    ),
    // The departments menu of the article's step 2. Its list sits directly in
    // the nav (the simulator names the first link `nav>ul>li:nth-of-type(1)>a`).
    h(
      'nav',
      { class: 'departments', 'aria-label': 'Departments' },
      h(
        'ul',
        {},
        departments.map((d) => h('li', {}, h('a', { href: '/department/' + d.id }, d.name))),
      ),
      h(
        'div',
        { class: 'header-extra' },
        h('a', { href: '/blog' }, 'Journal'),
        h('a', { href: '/account/new' }, 'Create account'),
        h('a', { class: 'pill', href: '/playground' }, 'Playground'),
      ),
    ),
  );
  searchInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') explainSearch();
  });
  for (const link of header.querySelectorAll('nav a')) {
    const path = link.getAttribute('href');
    if (location.pathname === path || (path !== '/' && location.pathname.startsWith(path + '/'))) {
      link.setAttribute('aria-current', 'page');
    }
  }
  updateCartCount();
  onCartChange(updateCartCount);
}

// Search is decorative: the typed text is never read, sent or put in a URL.
function explainSearch() {
  const box = $('.search');
  if ($('.search-note', box)) return;
  const note = h(
    'p',
    { class: 'search-note', role: 'status' },
    'Search is switched off in this demo store: browse the departments instead.',
  );
  box.append(note);
  setTimeout(() => note.remove(), 3500);
}

function signOut() {
  setSignedIn(false);
  flash('You are signed out.');
  location.assign('/');
}

function updateCartCount() {
  const count = cartLines().reduce((sum, line) => sum + line.qty, 0);
  for (const badge of document.querySelectorAll('.cart-count')) {
    badge.textContent = String(count);
    badge.toggleAttribute('data-empty', count === 0);
  }
  for (const text of document.querySelectorAll('.cart-count-text')) {
    text.textContent = count === 0 ? '(empty)' : count === 1 ? '(1 item)' : `(${count} items)`;
  }
}

export function renderFooter(footer) {
  const email = h('input', {
    id: 'newsletter-email',
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'email',
    placeholder: 'you@example.com',
  });
  // method=post: should this script ever fail, a browser submission still
  // keeps the address out of the URL.
  const form = h(
    'form',
    { id: 'newsletter-form', method: 'post' },
    h('label', { for: 'newsletter-email' }, 'Email address'),
    email,
    h('button', { class: 'btn btn-primary', type: 'submit', id: 'newsletter-submit' }, 'Subscribe'),
    h('p', { class: 'form-note' }, 'One email a month. Unsubscribe with one click.'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    // Nothing of the address is kept: this is a demo.
    form.replaceWith(
      h(
        'p',
        { class: 'newsletter-done', role: 'status', id: 'newsletter-done' },
        '✓ You are on the list. The next issue arrives on the first Monday of the month.',
      ),
    );
  });
  const column = (title, links) =>
    h(
      'div',
      {},
      h('h2', {}, title),
      h(
        'ul',
        {},
        links.map(([text, href]) => h('li', {}, h('a', { href }, text))),
      ),
    );
  footer.append(
    h(
      'section',
      { class: 'newsletter-band', 'aria-labelledby': 'newsletter-title' },
      h(
        'div',
        { class: 'newsletter container' },
        h(
          'div',
          {},
          h('h2', { id: 'newsletter-title' }, 'Listen better, once a month'),
          h(
            'p',
            {},
            'New gear, listening guides from the Sonora studio and subscriber-only offers. No spam, ever.',
          ),
        ),
        form,
      ),
    ),
    h(
      'div',
      { class: 'footer-main container' },
      h(
        'div',
        {},
        h(
          'a',
          { class: 'brand', href: '/' },
          icon(kIcons.logo),
          h('span', {}, 'Sonora', h('small', {}, 'Audio')),
        ),
        h('p', {}, 'Headphones and speakers, tuned by ear in Lisbon since 2016.'),
      ),
      column('Shop', [
        ['Electronics', '/department/electronics'],
        ['Headphones', '/category/headphones'],
        ['Home audio', '/department/home-audio'],
        ['Accessories', '/department/accessories'],
      ]),
      column('Sonora', [
        ['Journal', '/blog'],
        ['Create account', '/account/new'],
        ['Sign in', '/signin'],
        ['Your cart', '/cart'],
      ]),
      column('Your privacy', [
        ['Playground: your visit, analysed', '/playground'],
        ['How to choose headphones', '/blog/choosing-headphones'],
      ]),
    ),
    h(
      'div',
      { class: 'footer-legal container' },
      '© Sonora Audio, a demo store for microconv. No cookies, no accounts on a server, nothing for sale.',
    ),
  );
}
