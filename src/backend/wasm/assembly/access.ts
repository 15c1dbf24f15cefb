// Memory access of float32 kernels: element i of a float array at byte address `base`, and rows.
// Pointers are byte offsets into the shared memory; indices count float32 elements.

/** Floats i … i + 3 as one vector. */
@inline export function ld(base: usize, i: i32): v128 {
  return v128.load(base + (<usize>i << 2));
}

/** Stores a vector at floats i … i + 3. */
@inline export function st(base: usize, i: i32, v: v128): void {
  v128.store(base + (<usize>i << 2), v);
}

/** Float i. */
@inline export function ld1(base: usize, i: i32): f32 {
  return load<f32>(base + (<usize>i << 2));
}

/** Stores float i. */
@inline export function st1(base: usize, i: i32, v: f32): void {
  store<f32>(base + (<usize>i << 2), v);
}

/** The byte address of float i. */
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** The byte address of row r of a matrix whose rows are `stride` floats apart. */
@inline export function row(base: usize, r: i32, stride: i32): usize {
  return base + (<usize>r * <usize>stride << 2);
}
