/** The embedded stack's default ports: also what the operator scripts talk to when TEMPORAL_ADDRESS / MONGODB_URI are unset (a running `npm start`). Apart from the launcher, so production scripts need not carry it. */
export const defaultPorts = { postgres: 54329, mongo: 27017, temporal: 7233, temporalUi: 8233 };
