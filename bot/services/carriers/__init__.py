"""Carrier tracking: detection, public links, providers behind one interface, and the tracker service."""
