"""What engines see: a case's flat facts, and the condition language rules write over them."""
