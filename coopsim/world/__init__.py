"""The simulated international system: states, structures, dynamics, mechanisms."""
