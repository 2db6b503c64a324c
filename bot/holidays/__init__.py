"""holidays"""
