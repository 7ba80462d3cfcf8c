/**
 * Race `p` against a deadline. The losing operation is abandoned, not
 * cancelled (the toolkit offers no cancellation), so entries exit the
 * process explicitly once their work is done.
 */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000}s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
