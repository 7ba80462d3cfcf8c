/** A bad input value: the message names the input, the value and what is accepted. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`input "${input}" ${expected}, got "${value}"`);
    this.name = 'InputError';
  }
}
