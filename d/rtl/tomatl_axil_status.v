// tomatl_axil_status: AXI4-Lite control/status slave of a generated
// accelerator (32-bit data).
//
// Register map (byte addresses; all registers 32 bits):
//   0x00  ID          read-only  the ID parameter
//   0x04  VERSION     read-only  the VERSION parameter
//   0x08  NET_HASH    read-only  the NET_HASH parameter (network hash)
//   0x0C  CONTROL     read:  bit 0 = busy (frames in flight), other bits 0
//                     write: 1 to bit 0 (with wstrb[0]) pulses `clear` for
//                            one cycle (resets the counters); other bits ignored
//   0x10  FRAMES_IN   read-only  frames accepted at the input
//   0x14  FRAMES_OUT  read-only  frames delivered at the output
//   0x18  CYCLES_LO   read-only  cycle counter, bits 31:0
//   0x1C  CYCLES_HI   read-only  cycle counter, bits 63:32 (the two halves are
//                                read separately: read HI, LO, HI and retry if
//                                HI changed)
//   other addresses read 0; every read and write answers OKAY.
//
// Writes: the address (AW) and data (W) channels are independent; each is
// captured in its own register as soon as it arrives, in either order or
// together, and the write takes effect (and the B response is raised) once
// both are held and no earlier response is pending. Reads: one outstanding
// read; the R data is registered.
`default_nettype none

module tomatl_axil_status #(
    parameter [31:0] ID        = 32'h746f6d61,  // value of the ID register
    parameter [31:0] VERSION   = 32'h00000001,  // value of the VERSION register
    parameter [31:0] NET_HASH  = 32'h00000000,  // value of the NET_HASH register
    parameter        ADDR_BITS = 6              // byte address width (>= 5)
) (
    input  wire                 clk,
    input  wire                 rst,
    // write address
    input  wire [ADDR_BITS-1:0] s_axil_awaddr,
    input  wire                 s_axil_awvalid,
    output wire                 s_axil_awready,
    // write data
    input  wire [         31:0] s_axil_wdata,
    input  wire [          3:0] s_axil_wstrb,
    input  wire                 s_axil_wvalid,
    output wire                 s_axil_wready,
    // write response
    output wire [          1:0] s_axil_bresp,
    output wire                 s_axil_bvalid,
    input  wire                 s_axil_bready,
    // read address
    input  wire [ADDR_BITS-1:0] s_axil_araddr,
    input  wire                 s_axil_arvalid,
    output wire                 s_axil_arready,
    // read data
    output wire [         31:0] s_axil_rdata,
    output wire [          1:0] s_axil_rresp,
    output wire                 s_axil_rvalid,
    input  wire                 s_axil_rready,
    // status inputs
    input  wire [         31:0] frames_in,
    input  wire [         31:0] frames_out,
    input  wire [         63:0] cycles,
    input  wire                 busy,
    // one-cycle pulse on a write of 1 to CONTROL bit 0
    output wire                 clear
);

    generate
        if (ADDR_BITS < 5) begin : g_illegal_addr_bits
            tomatl_illegal_parameter_ADDR_BITS u_illegal ();
        end
    endgenerate

    // Word index of a register: address bits [ADDR_BITS-1:2].
    localparam WORD_BITS = ADDR_BITS - 2;

    // ---------------------------------------------------------------- write
    reg                 aw_full_reg;
    reg [WORD_BITS-1:0] aw_word_reg;
    reg                 w_full_reg;
    reg                 w_data0_reg;  // wdata[0]
    reg                 w_strb0_reg;  // wstrb[0]
    reg                 b_valid_reg;
    reg                 clear_reg;

    assign s_axil_awready = !aw_full_reg;
    assign s_axil_wready  = !w_full_reg;
    assign s_axil_bvalid  = b_valid_reg;
    assign s_axil_bresp   = 2'b00;
    assign clear          = clear_reg;

    // The held write is performed when both halves are there and the
    // response channel is free.
    wire do_write = aw_full_reg && w_full_reg && (!b_valid_reg || s_axil_bready);

    // Only bit 0 of the data and of the strobe matter, and registers are
    // word aligned.
    wire [37:0] unused_bits = {s_axil_wdata[31:1], s_axil_wstrb[3:1],
                               s_axil_awaddr[1:0], s_axil_araddr[1:0]};

    always @(posedge clk) begin
        if (s_axil_awvalid && !aw_full_reg) begin
            aw_word_reg <= s_axil_awaddr[ADDR_BITS-1:2];
        end
        if (s_axil_wvalid && !w_full_reg) begin
            w_data0_reg <= s_axil_wdata[0];
            w_strb0_reg <= s_axil_wstrb[0];
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            aw_full_reg <= 1'b0;
            w_full_reg  <= 1'b0;
            b_valid_reg <= 1'b0;
            clear_reg   <= 1'b0;
        end else begin
            clear_reg <= 1'b0;
            if (do_write) begin
                aw_full_reg <= 1'b0;
                w_full_reg  <= 1'b0;
                b_valid_reg <= 1'b1;
                if (aw_word_reg == 3 && w_strb0_reg && w_data0_reg) begin
                    clear_reg <= 1'b1;
                end
            end else begin
                if (s_axil_awvalid && !aw_full_reg) begin
                    aw_full_reg <= 1'b1;
                end
                if (s_axil_wvalid && !w_full_reg) begin
                    w_full_reg <= 1'b1;
                end
                if (s_axil_bready) begin
                    b_valid_reg <= 1'b0;
                end
            end
        end
    end

    // ----------------------------------------------------------------- read
    reg        r_valid_reg;
    reg [31:0] r_data_reg;
    reg [31:0] rd_value;

    assign s_axil_arready = !r_valid_reg;
    assign s_axil_rvalid  = r_valid_reg;
    assign s_axil_rdata   = r_data_reg;
    assign s_axil_rresp   = 2'b00;

    always @* begin
        case (s_axil_araddr[ADDR_BITS-1:2])
            0: rd_value = ID;
            1: rd_value = VERSION;
            2: rd_value = NET_HASH;
            3: rd_value = {31'd0, busy};
            4: rd_value = frames_in;
            5: rd_value = frames_out;
            6: rd_value = cycles[31:0];
            7: rd_value = cycles[63:32];
            default: rd_value = 32'd0;
        endcase
    end

    always @(posedge clk) begin
        if (rst) begin
            r_valid_reg <= 1'b0;
        end else if (s_axil_arvalid && !r_valid_reg) begin
            r_valid_reg <= 1'b1;
        end else if (s_axil_rready) begin
            r_valid_reg <= 1'b0;
        end
    end

    always @(posedge clk) begin
        if (s_axil_arvalid && !r_valid_reg) begin
            r_data_reg <= rd_value;
        end
    end

endmodule

`default_nettype wire
