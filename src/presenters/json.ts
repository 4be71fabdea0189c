/**
 * A presenter's DTO as the client receives it, after JSON.stringify: a Date is its ISO string;
 * arrays and objects map member by member. The dashboard reads `Json<SomeView>` (web/src/types.ts).
 */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;
