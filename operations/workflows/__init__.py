"""Durable CS workflow automation (DESIGN.md sections 4 and 5, Operations).

registry: the step registry; conditions: trigger conditions measured on real data;
steps: the built-in steps; engine: start a run, execute one step, retry, sweep.
"""
