/** Erlang C: probability of waiting, mean wait and service level of an M/M/N queue. */
export function erlangC(agents: number, load: number): number {
  if (load >= agents) return 1
  // Sum A^k/k! iteratively to stay stable for large N.
  let term = 1
  let sum = 1
  for (let k = 1; k < agents; k++) {
    term *= load / k
    sum += term
  }
  const last = ((term * load) / agents) * (agents / (agents - load))
  return last / (sum + last)
}

export interface ErlangFigures {
  pWait: number
  /** Mean wait over all calls, seconds. */
  meanWait: number
  /** Share answered within `slSeconds`. */
  serviceLevel: number
}

export function erlangFigures(agents: number, arrivalsPerSecond: number, meanHandleSeconds: number, slSeconds: number): ErlangFigures {
  const mu = 1 / meanHandleSeconds
  const load = arrivalsPerSecond / mu
  const pWait = erlangC(agents, load)
  return {
    pWait,
    meanWait: pWait / (agents * mu - arrivalsPerSecond),
    serviceLevel: 1 - pWait * Math.exp(-(agents - load) * mu * slSeconds),
  }
}
