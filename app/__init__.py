"""Blueprint Miner: service blueprints mined from event logs."""
