/** A problem with how the guard was set up (an input, the go installed): shown as is, without a stack. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/** A bad input value: the message names the input, the value and what is accepted. */
export class InputError extends SetupError {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`input "${input}" ${expected}, got "${value}"`);
    this.name = 'InputError';
  }
}
