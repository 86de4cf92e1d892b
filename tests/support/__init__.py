"""Test helpers: throwaway database servers and fixtures shared by every plane's tests."""
