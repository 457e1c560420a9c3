"""Log template mining: masking, a streaming Drain-like miner with stable ids."""
