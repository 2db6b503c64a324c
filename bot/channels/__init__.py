"""Channel adapters: each turns platform updates into IncomingMessage and renders OutgoingMessage."""
