/** The environment every go invocation gets: the user's, minus a -mod flag that `go mod download` refuses. */
export function goRunEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const goflags = (env.GOFLAGS ?? '')
    .split(/\s+/)
    .filter((f) => f && !/^-mod=/.test(f))
    .join(' ');
  return { ...env, GOFLAGS: goflags };
}
