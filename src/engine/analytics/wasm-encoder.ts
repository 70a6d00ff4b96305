// Just enough of the WebAssembly binary format (core spec, chapter 5) to write small kernels by hand:
// one imported memory, functions of i32 and f64 values, their exports. A kernel is written as calls to
// FunctionBody's methods, named after the instructions they encode, so that it reads as the text format
// would, and is assembled when its module loads: no build step, no compiler to install.

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F64 = 0x7c;
type ValueType = typeof I32 | typeof I64 | typeof F64;

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

function signedLeb(value: number | bigint): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vector(items: readonly number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function utf8(text: string): number[] {
  return vector([...Buffer.from(text, 'utf8')].map((b) => [b]));
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

/** A function's code, instruction by instruction; locals are numbered after the parameters. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly locals: ValueType[] = [];

  constructor(readonly params: readonly ValueType[], readonly results: readonly ValueType[]) {}

  /** A new local of the type; its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  encodeLocals(): number[] {
    return vector(this.locals.map((type) => [1, type]));
  }

  private emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  get(local: number): this {
    return this.emit(0x20, ...unsignedLeb(local));
  }
  set(local: number): this {
    return this.emit(0x21, ...unsignedLeb(local));
  }
  tee(local: number): this {
    return this.emit(0x22, ...unsignedLeb(local));
  }
  i32Const(value: number): this {
    return this.emit(0x41, ...signedLeb(value | 0));
  }
  i64Const(value: bigint): this {
    return this.emit(0x42, ...signedLeb(value));
  }
  f64Const(value: number): this {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    return this.emit(0x44, ...bytes);
  }
  /** Loads and stores take a byte address from the stack and add a constant offset to it. */
  i32Load(offset = 0): this {
    return this.emit(0x28, 2, ...unsignedLeb(offset));
  }
  f64Load(offset = 0): this {
    return this.emit(0x2b, 3, ...unsignedLeb(offset));
  }
  f64Store(offset = 0): this {
    return this.emit(0x39, 3, ...unsignedLeb(offset));
  }
  i32Add(): this {
    return this.emit(0x6a);
  }
  i32Sub(): this {
    return this.emit(0x6b);
  }
  i32Mul(): this {
    return this.emit(0x6c);
  }
  i32Shl(): this {
    return this.emit(0x74);
  }
  i32And(): this {
    return this.emit(0x71);
  }
  i32Eqz(): this {
    return this.emit(0x45);
  }
  i32LtS(): this {
    return this.emit(0x48);
  }
  i32GtS(): this {
    return this.emit(0x4a);
  }
  i32GeS(): this {
    return this.emit(0x4e);
  }
  i64And(): this {
    return this.emit(0x83);
  }
  i64Or(): this {
    return this.emit(0x84);
  }
  i64Xor(): this {
    return this.emit(0x85);
  }
  i64ShrS(): this {
    return this.emit(0x87);
  }
  f64Add(): this {
    return this.emit(0xa0);
  }
  f64Sub(): this {
    return this.emit(0xa1);
  }
  f64Mul(): this {
    return this.emit(0xa2);
  }
  f64Div(): this {
    return this.emit(0xa3);
  }
  f64Eq(): this {
    return this.emit(0x61);
  }
  f64Ne(): this {
    return this.emit(0x62);
  }
  f64Lt(): this {
    return this.emit(0x63);
  }
  f64Gt(): this {
    return this.emit(0x64);
  }
  f64Ge(): this {
    return this.emit(0x66);
  }
  f64ConvertI32S(): this {
    return this.emit(0xb7);
  }
  i64ReinterpretF64(): this {
    return this.emit(0xbd);
  }
  f64ReinterpretI64(): this {
    return this.emit(0xbf);
  }
  /** Saturating (never traps, NaN gives 0). */
  i32TruncSatF64S(): this {
    return this.emit(0xfc, 0x02);
  }
  /** Takes a, b and a condition: a when the condition is not 0, else b. */
  select(): this {
    return this.emit(0x1b);
  }
  /** Structured control: block, loop and if (no results) close with end; br and brIf count labels outwards from 0. */
  block(): this {
    return this.emit(0x02, 0x40);
  }
  loop(): this {
    return this.emit(0x03, 0x40);
  }
  if(): this {
    return this.emit(0x04, 0x40);
  }
  else(): this {
    return this.emit(0x05);
  }
  end(): this {
    return this.emit(0x0b);
  }
  br(depth: number): this {
    return this.emit(0x0c, ...unsignedLeb(depth));
  }
  brIf(depth: number): this {
    return this.emit(0x0d, ...unsignedLeb(depth));
  }
}

/** A module that imports its memory as env.memory and exports the functions under their names. */
export function encodeModule(functions: Readonly<Record<string, FunctionBody>>): Uint8Array {
  const entries = Object.entries(functions);
  const types = section(
    1,
    vector(entries.map(([, f]) => [0x60, ...vector(f.params.map((t) => [t])), ...vector(f.results.map((t) => [t]))])),
  );
  // env.memory, of at least 0 pages: whatever memory it is given.
  const imports = section(2, vector([[...utf8('env'), ...utf8('memory'), 0x02, 0x00, 0x00]]));
  const declarations = section(3, vector(entries.map((_, i) => unsignedLeb(i))));
  const exports = section(7, vector(entries.map(([name], i) => [...utf8(name), 0x00, ...unsignedLeb(i)])));
  const bodies = section(
    10,
    vector(
      entries.map(([, f]) => {
        const body = [...f.encodeLocals(), ...f.code, 0x0b];
        return [...unsignedLeb(body.length), ...body];
      }),
    ),
  );
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...declarations, ...exports, ...bodies]);
}
