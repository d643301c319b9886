"""Secretaries and community workers (班长工程): secretary profiles, training,
述职 ratings and the 三档十八级 career ladder."""
