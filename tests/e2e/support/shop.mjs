import { trackerReady } from './browser.mjs';

// The demo store's pages, as the site server's route table.
export const shopRoutes = {
  '/': 'shop/home.html',
  '/signin': 'shop/signin.html',
  '/department/*': 'shop/department.html',
  '/category/*': 'shop/category.html',
  '/product/*': 'shop/product.html',
  '/cart': 'shop/cart.html',
  '/checkout/shipping': 'shop/shipping.html',
  '/checkout/payment': 'shop/payment.html',
  '/order/*': 'shop/order.html',
};

// The micro-conversions of the purchase journey below, in their order.
export const kPurchaseJourney = [
  'sign_in',
  'department',
  'category',
  'product_view',
  'add_to_cart',
  'begin_checkout',
  'shipping',
  'payment',
  'purchase',
];

// The purchase journey of journey.test.mjs as a visitor walks it, ten page
// loads from the home page to /order/1001, the tracker ready on each.
export async function walkPurchaseJourney(page, siteUrl) {
  const go = async (click, path) => {
    await page.click(click);
    await page.waitForURL((url) => url.pathname === path);
    await trackerReady(page);
  };
  await page.goto(siteUrl + '/?utm_source=newsletter&utm_medium=email&utm_campaign=spring');
  await trackerReady(page);
  await go('#signin-link', '/signin');
  await page.fill('input[name=email]', 'visitor@example.com');
  await page.fill('input[name=password]', 'hunter22');
  await go('#signin-submit', '/');
  await go('a[href="/department/electronics"]', '/department/electronics');
  await go('#cat-headphones', '/category/headphones');
  await go('#product-aurora-x2', '/product/aurora-x2');
  await page.click('[data-mc=add-to-cart]');
  await go('#to-cart', '/cart');
  await go('[data-mc=checkout]', '/checkout/shipping');
  for (const field of ['name', 'street', 'city', 'zip', 'country']) {
    await page.fill(`[name=${field}]`, 'x');
  }
  await go('#shipping-submit', '/checkout/payment');
  await page.selectOption('[name=method]', 'invoice');
  await page.fill('[name=card]', '4111111111111111');
  await go('#payment-submit', '/order/1001');
}
