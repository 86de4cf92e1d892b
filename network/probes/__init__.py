"""Active probes per site and class of service: a UDP echo reflector (TWAMP-light
style; delay and loss can be set, for tests and the simulated region) and a prober
measuring round-trip time, jitter and loss with the class's DSCP marking."""
