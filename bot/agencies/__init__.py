"""agencies"""
