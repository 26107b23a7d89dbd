"""The Chinese legal calendar and deadline arithmetic."""
