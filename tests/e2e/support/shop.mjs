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
