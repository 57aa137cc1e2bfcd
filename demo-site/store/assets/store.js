// Sonora Audio's own script, the entry of every page: it draws the header
// and footer, then the page named by <body data-page>. The store knows
// nothing about microconv beyond the documented call queue: it is
// instrumented only by the script tag and the site config
// (demo-site/sites/demo.json), like any customer site.
//
// Privacy rules the store keeps (the product's promise starts here): form
// values never go into a URL and never leave the page (every form is handled
// here with preventDefault; state.js keeps only what the store needs), and
// everything dynamic is written with textContent, never as HTML.
import { categoryPage, departmentPage, fillProductLists, productPage } from './catalogue-pages.js';
import { cartPage, orderPage, paymentPage, reviewPage, shippingPage } from './checkout.js';
import { renderFooter, renderHeader } from './chrome.js';
import { $, showToast } from './dom.js';
import { journalPage, postPage } from './journal.js';
import { flash, setSignedIn, takeFlash } from './state.js';

// The documented queue stub: calls made before microconv.js has loaded wait
// in microconv.q (the product page's wishlist button uses it).
window.microconv =
  window.microconv ||
  function () {
    (window.microconv.q = window.microconv.q || []).push(arguments);
  };

// Sign-in and sign-up: the demo keeps a signed-in flag, nothing typed.
function accountForm(formId, message) {
  const form = document.getElementById(formId);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setSignedIn(true);
    flash(message);
    location.assign('/');
  });
}

// ---------- Boot ----------

const kPages = {
  department: departmentPage,
  category: categoryPage,
  product: productPage,
  cart: cartPage,
  shipping: shippingPage,
  payment: paymentPage,
  review: reviewPage,
  order: orderPage,
  signin: () => accountForm('signin-form', 'Welcome back: you are signed in.'),
  signup: () => accountForm('signup-form', 'Welcome to Sonora: your account is ready.'),
  blog: journalPage,
  post: postPage,
};

function boot() {
  renderHeader($('.site-header'));
  renderFooter($('.site-footer'));
  fillProductLists();
  const main = $('main');
  const page = kPages[document.body.dataset.page];
  if (page) page(main);
  const message = takeFlash();
  if (message) showToast(message);
}

boot();
