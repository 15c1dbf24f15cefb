/**
 * The brand of the scalar `Value` class, in base so that folders which may not import `src/scalar`
 * (viz's graph drawings) can still tell a `Value` from any other object.
 */

/**
 * Marks this copy's `Value` class (set on its prototype by scalar/value.ts).
 * @example
 * VALUE_BRAND in new Value(1); // true
 */
export const VALUE_BRAND: unique symbol = Symbol('nabla.Value');
