"""The reference directory: requesters find the advocates they may ask (issue 22)."""
