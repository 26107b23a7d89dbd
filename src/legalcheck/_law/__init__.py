"""The law as data: regulations, rules (loaded and compiled), duties and the coverage map."""
