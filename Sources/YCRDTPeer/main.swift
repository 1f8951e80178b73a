print("YCRDTPeer: not built yet")
