"""Computing with thermal noise: stochastic junction devices (p-bits, population coding)."""
