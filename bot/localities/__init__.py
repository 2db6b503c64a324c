"""localities"""
