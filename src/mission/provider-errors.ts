// What a child turn's error text says about the model provider: the one place that reads it.

const AUTH = /ProviderAuthError|\b401\b|\b403\b|unauthori[sz]ed|invalid api key|authentication/i
/** The provider asks us to slow down: a rate limit or an overload. */
const PUSHBACK = /\b429\b|rate.?limit|too many requests|overloaded/i
/** A passing outage: a server error, a time-out, a dropped connection. */
const OUTAGE = /\b50[0234]\b|service unavailable|timed? ?out|ECONNRESET|ECONNREFUSED/i

export type ProviderTrouble = "auth" | "transient" | undefined

/** An auth failure ends the mission; pushback and outages are transient: the turn is continued after a pause. */
export function providerTrouble(error: string | undefined): ProviderTrouble {
  if (!error) return undefined
  if (AUTH.test(error)) return "auth"
  if (PUSHBACK.test(error) || OUTAGE.test(error)) return "transient"
  return undefined
}

/** A rate limit or an overloaded provider: fewer children should run at once. */
export function isProviderPushback(error: string | undefined): boolean {
  return !!error && PUSHBACK.test(error)
}
