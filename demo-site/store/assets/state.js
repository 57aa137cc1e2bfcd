// The store's own state, in its own keys (`sonora.*`). The cart and the
// signed-in flag live in localStorage, like most shops; checkout details, the
// last order and the next page's message only in this tab's sessionStorage.
// Only what the store needs is kept: never a password, an email address, a
// street or a full card number.
import { kFreeShippingFrom, kShippingFee, productById } from './catalogue.js';

const kCartKey = 'sonora.cart';
const kAccountKey = 'sonora.account';
const kCheckoutKey = 'sonora.checkout';
const kOrderKey = 'sonora.order';
const kFlashKey = 'sonora.flash';
const kMaxQuantity = 9;

function read(storage, key, fallback) {
  try {
    const value = JSON.parse(storage.getItem(key));
    return value === null ? fallback : value;
  } catch (_) {
    return fallback; // storage blocked or corrupt: start empty
  }
}

function write(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch (_) {
    // Storage blocked: the page still works, the state does not persist.
  }
}

// ---------- Cart ----------

const cartListeners = [];
export const onCartChange = (listener) => cartListeners.push(listener);

// [{product, qty}], unknown products dropped.
export function cartLines() {
  const stored = read(localStorage, kCartKey, []);
  return (Array.isArray(stored) ? stored : [])
    .map((line) => ({
      product: productById(line && line.id),
      qty: Math.max(1, Math.min(kMaxQuantity, line.qty | 0)),
    }))
    .filter((line) => line.product);
}

function saveCart(lines) {
  write(
    localStorage,
    kCartKey,
    lines.length ? lines.map((line) => ({ id: line.product.id, qty: line.qty })) : null,
  );
  for (const listener of cartListeners) listener();
}

export function addToCart(id) {
  const lines = cartLines();
  const line = lines.find((l) => l.product.id === id);
  if (line) line.qty = Math.min(kMaxQuantity, line.qty + 1);
  else lines.push({ product: productById(id), qty: 1 });
  saveCart(lines);
}

// 0 removes the line.
export function setQuantity(id, qty) {
  qty = Math.min(kMaxQuantity, qty);
  saveCart(
    cartLines().flatMap((line) =>
      line.product.id !== id ? [line] : qty > 0 ? [{ ...line, qty }] : [],
    ),
  );
}

export const clearCart = () => saveCart([]);

export function cartTotals(lines) {
  const subtotal = lines.reduce((sum, line) => sum + line.product.price * line.qty, 0);
  const shipping = subtotal === 0 || subtotal >= kFreeShippingFrom ? 0 : kShippingFee;
  return { subtotal, shipping, total: subtotal + shipping };
}

// ---------- Account ----------

// Signed in is a flag for this demo: no address or password is kept.
export const signedIn = () => read(localStorage, kAccountKey, null) !== null;
export const setSignedIn = (on) =>
  write(localStorage, kAccountKey, on ? { since: Date.now() } : null);

// ---------- Checkout and orders (this tab only) ----------

// {shipTo: {name, city, country}, payment: {method, last4}}
export const checkoutDetails = () => read(sessionStorage, kCheckoutKey, {});
export const saveCheckoutDetails = (details) => write(sessionStorage, kCheckoutKey, details);
export const clearCheckoutDetails = () => write(sessionStorage, kCheckoutKey, null);

// {id, lines: [{id, qty}], total, shipping, reported}
export const lastOrder = () => read(sessionStorage, kOrderKey, null);
export const saveOrder = (order) => write(sessionStorage, kOrderKey, order);

// ---------- A message for the next page ("You are signed in") ----------

export const flash = (text) => write(sessionStorage, kFlashKey, text);

export function takeFlash() {
  const text = read(sessionStorage, kFlashKey, null);
  if (text !== null) write(sessionStorage, kFlashKey, null);
  return text === null ? null : String(text);
}
