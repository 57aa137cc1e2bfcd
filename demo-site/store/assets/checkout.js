// The cart and the checkout: cart, shipping, payment, review and the order
// confirmation, which pushes the GA4 `purchase` event (the demo's
// macro-conversion). Form values stay on the page: only what the next step
// shows is kept (see state.js), and nothing is ever put in a URL.
import { kFreeShippingFrom, productById, productImage } from './catalogue.js';
import { notFound } from './catalogue-pages.js';
import { $, h, icon, kIcons, money, pathId } from './dom.js';
import {
  cartLines,
  cartTotals,
  checkoutDetails,
  clearCart,
  clearCheckoutDetails,
  lastOrder,
  saveCheckoutDetails,
  saveOrder,
  setQuantity,
} from './state.js';

function summaryCard(lines, { title = 'Order summary', action = null, showItems = false } = {}) {
  const totals = cartTotals(lines);
  return h(
    'aside',
    { class: 'summary card', 'aria-labelledby': 'summary-title' },
    h('h2', { id: 'summary-title' }, title),
    showItems
      ? h(
          'ul',
          { class: 'summary-items' },
          lines.map((line) =>
            h(
              'li',
              {},
              h('img', { src: productImage(line.product), alt: '' }),
              h('span', {}, `${line.product.name} × ${line.qty}`),
              h('strong', {}, money(line.product.price * line.qty)),
            ),
          ),
        )
      : null,
    h(
      'dl',
      {},
      h('dt', {}, 'Subtotal'),
      h('dd', {}, money(totals.subtotal)),
      h('dt', {}, 'Shipping'),
      h('dd', {}, totals.shipping ? money(totals.shipping) : 'Free'),
      h('dt', { class: 'total' }, 'Total'),
      h('dd', { class: 'total' }, money(totals.total)),
    ),
    action,
    h('p', { class: 'secure-note' }, icon(kIcons.lock), ' Demo checkout: no payment is taken.'),
  );
}

export function cartPage(main) {
  const container = h('div', { class: 'container' });
  main.replaceChildren(container);
  const render = () => {
    const lines = cartLines();
    const head = h('header', { class: 'page-head' }, h('h1', {}, 'Your cart'));
    if (!lines.length) {
      container.replaceChildren(
        head,
        h(
          'div',
          { class: 'card empty-state' },
          h('img', { src: '/assets/products/aurora-x2.svg', alt: '' }),
          h('h2', {}, 'Your cart is empty'),
          h('p', { class: 'muted' }, 'Our bestseller, the Aurora X2, is a good place to start.'),
          h('a', { class: 'btn btn-dark', href: '/category/headphones' }, 'Browse headphones'),
        ),
      );
      return;
    }
    const line = ({ product, qty }) =>
      h(
        'li',
        { class: 'cart-line' },
        h('img', { src: productImage(product), alt: '' }),
        h(
          'div',
          {},
          h('h3', {}, h('a', { href: '/product/' + product.id }, product.name)),
          h('div', { class: 'line-meta' }, `${product.colour} · ${money(product.price)} each`),
          h(
            'button',
            {
              type: 'button',
              class: 'link-button',
              style: 'font-size:.88rem',
              onclick: () => {
                setQuantity(product.id, 0);
                render();
              },
            },
            'Remove',
          ),
        ),
        h(
          'div',
          { class: 'qty', role: 'group', 'aria-label': `Quantity of ${product.name}` },
          h(
            'button',
            {
              type: 'button',
              'aria-label': 'One less',
              onclick: () => {
                setQuantity(product.id, qty - 1);
                render();
              },
            },
            '−',
          ),
          h('output', { 'aria-live': 'polite' }, String(qty)),
          h(
            'button',
            {
              type: 'button',
              'aria-label': 'One more',
              onclick: () => {
                setQuantity(product.id, qty + 1);
                render();
              },
            },
            '+',
          ),
        ),
        h('div', { class: 'line-total' }, money(product.price * qty)),
      );
    const totals = cartTotals(lines);
    container.replaceChildren(
      head,
      h(
        'div',
        { class: 'cart-layout' },
        h(
          'section',
          { 'aria-label': 'Items' },
          h('ul', { class: 'cart-lines card' }, lines.map(line)),
          totals.shipping
            ? h(
                'p',
                { class: 'notice notice-warn', style: 'margin-top:16px' },
                `Add ${money(kFreeShippingFrom - totals.subtotal)} more for free shipping.`,
              )
            : h('p', { class: 'notice', style: 'margin-top:16px' }, '✓ Your order ships free.'),
          h('p', {}, h('a', { href: '/category/headphones' }, '← Continue shopping')),
        ),
        summaryCard(lines, {
          action: h(
            'a',
            {
              id: 'proceed-to-checkout',
              class: 'btn btn-primary btn-block',
              href: '/checkout/shipping',
              'data-mc': 'checkout',
            },
            'Proceed to checkout',
          ),
        }),
      ),
    );
  };
  render();
}

function checkoutSteps(current) {
  const steps = ['Shipping', 'Payment', 'Review'];
  return h(
    'ol',
    { class: 'steps', 'aria-label': 'Checkout steps' },
    steps.map((name, i) =>
      h(
        'li',
        {
          'aria-current': i === current ? 'step' : null,
          'data-state': i < current ? 'done' : null,
        },
        h('span', {}, i < current ? '✓' : String(i + 1)),
        h('b', {}, name),
      ),
    ),
  );
}

// Shipping and payment pages: the form is in the HTML; this adds the steps,
// the order summary and the submit handling.
function checkoutForm(main, { step, formId, onSubmit }) {
  const form = document.getElementById(formId);
  $('[data-slot=steps]', main).replaceWith(checkoutSteps(step));
  const lines = cartLines();
  $('[data-slot=summary]', main).replaceWith(
    lines.length
      ? summaryCard(lines, { showItems: true })
      : h(
          'aside',
          { class: 'summary card' },
          h('h2', {}, 'Your cart is empty'),
          h(
            'p',
            { class: 'muted' },
            'You can fill this in, but you will need something in the cart to order.',
          ),
          h('a', { href: '/category/headphones' }, 'Browse headphones'),
        ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit(new FormData(form));
  });
}

export function shippingPage(main) {
  checkoutForm(main, {
    step: 0,
    formId: 'shipping-form',
    onSubmit: (data) => {
      // The review page shows who and where: only that is kept, for this tab.
      const checkout = checkoutDetails();
      checkout.shipTo = {
        name: String(data.get('name')).slice(0, 80),
        city: String(data.get('city')).slice(0, 80),
        country: String(data.get('country')),
      };
      saveCheckoutDetails(checkout);
      location.assign('/checkout/payment');
    },
  });
}

export function paymentPage(main) {
  const form = document.getElementById('payment-form');
  const cardFields = $('.card-fields', form);
  // Card details only matter (and are only required) for card payments.
  const syncMethod = () => {
    const byCard = form.elements.method.value === 'card';
    cardFields.hidden = !byCard;
    for (const input of cardFields.querySelectorAll('input')) input.disabled = !byCard;
  };
  form.addEventListener('change', syncMethod);
  syncMethod();
  checkoutForm(main, {
    step: 1,
    formId: 'payment-form',
    onSubmit: (data) => {
      const checkout = checkoutDetails();
      const method = String(data.get('method'));
      // Like any shop: the method and the card's last four digits, nothing else.
      const digits = String(data.get('card') || '').replace(/\D/g, '');
      checkout.payment = { method, last4: method === 'card' ? digits.slice(-4) : '' };
      saveCheckoutDetails(checkout);
      location.assign('/checkout/review');
    },
  });
}

const kMethodNames = { card: 'Card', paypal: 'PayPal', invoice: 'Invoice (pay in 30 days)' };

export function reviewPage(main) {
  const lines = cartLines();
  const checkout = checkoutDetails();
  const shipTo = checkout.shipTo;
  const payment = checkout.payment;
  const place = h(
    'button',
    {
      type: 'button',
      id: 'place-order',
      class: 'btn btn-primary btn-block',
      disabled: !lines.length,
    },
    'Place your order',
  );
  place.addEventListener('click', () => {
    if (place.disabled) return;
    place.disabled = true;
    place.textContent = 'Placing your order…';
    // A payment provider takes a moment; the button says so instead of
    // inviting a second click.
    setTimeout(() => {
      const id = String(100000 + (crypto.getRandomValues(new Uint32Array(1))[0] % 900000));
      const totals = cartTotals(lines);
      saveOrder({
        id,
        lines: lines.map((l) => ({ id: l.product.id, qty: l.qty })),
        total: totals.total,
        shipping: totals.shipping,
        reported: false,
      });
      location.assign('/order/' + id);
    }, 700);
  });
  const block = (title, text, href) =>
    h(
      'section',
      { class: 'review-block card' },
      h('div', {}, h('h2', {}, title), h('p', {}, text)),
      h('a', { href }, 'Change'),
    );
  main.replaceChildren(
    h(
      'div',
      { class: 'container' },
      h('header', { class: 'page-head' }, h('h1', {}, 'Review your order')),
      checkoutSteps(2),
      h(
        'div',
        { class: 'checkout-layout' },
        h(
          'div',
          { class: 'review-blocks' },
          block(
            'Ship to',
            shipTo ? `${shipTo.name}, ${shipTo.city}, ${shipTo.country}` : 'No address yet.',
            '/checkout/shipping',
          ),
          block(
            'Payment',
            payment
              ? (kMethodNames[payment.method] || 'Card') +
                  (payment.last4 ? ` ending in ${payment.last4}` : '')
              : 'No payment method yet.',
            '/checkout/payment',
          ),
          block('Delivery', 'Standard delivery, 2–3 working days. Tracked.', '/checkout/shipping'),
          lines.length
            ? null
            : h(
                'p',
                { class: 'notice notice-warn' },
                'Your cart is empty. ',
                h('a', { href: '/category/headphones' }, 'Browse headphones'),
              ),
        ),
        summaryCard(lines, { showItems: true, action: place }),
      ),
    ),
  );
}

export function orderPage(main) {
  const order = lastOrder();
  if (!order || order.id !== pathId()) {
    notFound(
      main,
      'We could not find that order',
      'Orders show here only in the browser tab they were placed in.',
    );
    return;
  }
  const lines = order.lines
    .map((l) => ({ product: productById(l.id), qty: l.qty }))
    .filter((l) => l.product);
  if (!order.reported) {
    // The macro-conversion, as a GA4 ecommerce event (demo.json: datalayer
    // "purchase"). The tracker reads its name, value and currency (the
    // order's real total is the revenue); ids and items stay on the page.
    window.dataLayer = window.dataLayer || [];
    window.dataLayer.push({
      event: 'purchase',
      ecommerce: {
        transaction_id: order.id,
        value: order.total,
        shipping: order.shipping,
        currency: 'USD',
        items: lines.map((l) => ({
          item_id: l.product.id,
          item_name: l.product.name,
          price: l.product.price,
          quantity: l.qty,
        })),
      },
    });
    // A reload must not count the purchase twice.
    saveOrder({ ...order, reported: true });
    clearCart();
    clearCheckoutDetails();
  }
  document.title = 'Thank you · Sonora Audio';
  main.replaceChildren(
    h(
      'div',
      { class: 'container' },
      h(
        'section',
        { class: 'confirmation card' },
        h('div', { class: 'check' }, icon(kIcons.check)),
        h('p', { class: 'eyebrow' }, 'Order confirmed'),
        h('h1', {}, 'Thank you! Your music is on its way.'),
        h(
          'p',
          { class: 'muted' },
          'Order number ',
          h('span', { class: 'order-number' }, order.id),
          '. In a real store a confirmation email would follow.',
        ),
        h(
          'ul',
          { class: 'summary-items' },
          lines.map((l) =>
            h(
              'li',
              {},
              h('img', { src: productImage(l.product), alt: '' }),
              h('span', {}, `${l.product.name} × ${l.qty}`),
              h('strong', {}, money(l.product.price * l.qty)),
            ),
          ),
        ),
        h('p', {}, h('strong', {}, `Total paid: ${money(order.total)}`)),
        h(
          'p',
          {},
          h(
            'a',
            { class: 'btn btn-dark', href: '/playground' },
            'See how microconv saw this visit',
          ),
          ' ',
          h('a', { class: 'btn btn-ghost', href: '/' }, 'Back to the store'),
        ),
      ),
    ),
  );
}
