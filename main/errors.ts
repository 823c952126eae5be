/**
 * Errors a user can act on. Faces map them to exit code 2 (CLI) or a validation message (UI);
 * anything else is a bug or a failed run.
 */
export class InputError extends Error {
  constructor(
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(
      file === undefined ? reason : `${file}${line === undefined ? '' : `:${line}`}: ${reason}`,
    );
    this.name = 'InputError';
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export function isUserError(e: unknown): e is InputError | NotFoundError {
  return e instanceof InputError || e instanceof NotFoundError;
}
